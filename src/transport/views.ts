/**
 * What a Uint8Array really is, read through the intrinsic TypedArray
 * getters. They read the array's own internal slots, so a subclass that
 * overrides `byteLength`, a Proxy, or another typed array given
 * Uint8Array's prototype cannot misreport the bytes the ring copies.
 */
import { types } from 'node:util';

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getter = <F>(o: object, k: PropertyKey): F => Object.getOwnPropertyDescriptor(o, k)!.get! as F;
const TAG_OF = getter<(this: unknown) => string | undefined>(TypedArrayProto, Symbol.toStringTag);
const BYTE_LENGTH_OF = getter<(this: Uint8Array) => number>(TypedArrayProto, 'byteLength');
const BYTE_OFFSET_OF = getter<(this: Uint8Array) => number>(TypedArrayProto, 'byteOffset');
const BUFFER_OF = getter<(this: Uint8Array) => ArrayBufferLike>(TypedArrayProto, 'buffer');
const GROWABLE_OF = Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'growable')?.get as ((this: SharedArrayBuffer) => boolean) | undefined;

/** `v` is a genuine Uint8Array (or a subclass, e.g. Buffer), not a Proxy or another typed array in disguise. */
export function isUint8Array(v: unknown): v is Uint8Array {
  return TAG_OF.call(v) === 'Uint8Array';
}

/** The bytes `u8` views now: 0 once its buffer is detached or shrunk past a fixed-length view; a length-tracking view follows its buffer. */
export function byteLengthOf(u8: Uint8Array): number {
  return BYTE_LENGTH_OF.call(u8);
}

export function byteOffsetOf(u8: Uint8Array): number {
  return BYTE_OFFSET_OF.call(u8);
}

/** The buffer under `u8`. Allocates one for a small array V8 keeps on its heap: not for the hot path of small inputs. */
export function bufferOf(u8: Uint8Array): ArrayBufferLike {
  return BUFFER_OF.call(u8);
}

/** `ab` is a growable SharedArrayBuffer: another thread may lengthen a view over it at any moment. */
export function isGrowableShared(ab: ArrayBufferLike): boolean {
  return GROWABLE_OF !== undefined && types.isSharedArrayBuffer(ab) && GROWABLE_OF.call(ab);
}

/** `ab` was detached (transferred). Node 20 has no ArrayBuffer.prototype.detached: a view of it cannot be made. For error paths only. */
export function isDetached(ab: ArrayBufferLike): boolean {
  if (types.isSharedArrayBuffer(ab)) return false;
  try {
    new Uint8Array(ab, 0, 0);
    return false;
  } catch {
    return true;
  }
}
