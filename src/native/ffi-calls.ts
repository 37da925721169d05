/**
 * The C ABI (native/go/include/crossfair.h) as ffi-rs call descriptions,
 * and the messages the ffi backend sends to its piscina worker threads.
 * Shared by both ends so their shapes cannot drift apart.
 */

export const FFI_LIBRARY_NAME = 'crossfair_c_abi';

export type FfiCall =
  | { op: 'abi'; lib: string }
  | { op: 'kinds'; lib: string }
  | { op: 'create'; lib: string; ctrl: Uint8Array; workers: number }
  /** `base`: the segment's address, taken on the main thread (ffi-backend.ts, addressOf); `seg` only where no address could be taken. */
  | { op: 'register'; lib: string; h: number; id: number; len: number; base: bigint | undefined; seg: Uint8Array | undefined }
  | { op: 'unregister'; lib: string; h: number; id: number }
  | { op: 'submit'; lib: string; h: number; start: number; count: number }
  | { op: 'wait'; lib: string; h: number; timeoutMs: number }
  | { op: 'inject'; lib: string; h: number; errorRate: number; delayFactor: number; hangRate: number }
  | { op: 'stats'; lib: string; h: number }
  | { op: 'close'; lib: string; h: number; timeoutMs: number }
  | { op: 'bench'; lib: string; n: number; batch: number; workers: number }
  /** Returns once `parties` threads have arrived (counter: an Int32Array over a SharedArrayBuffer), or 0 at `timeoutMs`. */
  | { op: 'barrier'; counter: Int32Array; parties: number; timeoutMs: number };
