/**
 * NativeBackend: the one seam between a pool's ring transport and the native
 * code that runs its tasks. Three implementations, one per path:
 *
 * - the Rust napi addon's `RustPool`           (synchronous calls, TSFN wake-up)
 * - the Go shim's `GoPool` (node-addon-api)    (synchronous calls, TSFN wake-up)
 * - `FfiBackend` (ffi-rs in piscina threads)   (asynchronous calls, a blocking
 *   `cf_wait` on a worker thread stands in for the wake-up)
 *
 * Synchronous backends return plain values; the ffi backend returns promises
 * and orders its calls itself, so callers never need to await one call before
 * issuing the next.
 */
import { fromNativeError } from '../errors.js';

export interface NativeBackend {
  registerSegment(id: number, seg: Uint8Array): void | Promise<void>;
  unregisterSegment(id: number): void | Promise<void>;
  /** Queues submit-ring positions start..start+count-1; returns how many were accepted. */
  submit(start: number, count: number): number | Promise<number>;
  inject(errorRate: number, delayFactor: number, hangRate: number): void | Promise<void>;
  /** Keeps the process alive (true) while tasks are in flight. */
  setRef(on: boolean): void;
  /** [queued, running, completed, panics, workers] */
  stats(): number[] | Promise<number[]>;
  /** Workers still busy after `timeoutMs` (0: native memory use is over). */
  close(timeoutMs: number): number | Promise<number>;
}

/** What a native module exports to open a pool over a control region. */
export type BackendOpener = (ctrl: Uint8Array, workers: number, onWake: () => void) => NativeBackend | Promise<NativeBackend>;

/**
 * A synchronous backend whose failures are CrossfairErrors. The Go shim
 * throws plain Errors: coded by a message prefix, or carrying a failed C ABI
 * call's raw return value, which fromNativeError maps with the same table as
 * the ffi path (errors.ts CF_ERRORS), so both paths report one code per error.
 */
export class CodedBackend implements NativeBackend {
  constructor(private readonly b: NativeBackend) {}

  registerSegment(id: number, seg: Uint8Array): void | Promise<void> {
    return coded(() => this.b.registerSegment(id, seg));
  }

  unregisterSegment(id: number): void | Promise<void> {
    return coded(() => this.b.unregisterSegment(id));
  }

  submit(start: number, count: number): number | Promise<number> {
    return coded(() => this.b.submit(start, count));
  }

  inject(errorRate: number, delayFactor: number, hangRate: number): void | Promise<void> {
    return coded(() => this.b.inject(errorRate, delayFactor, hangRate));
  }

  setRef(on: boolean): void {
    coded(() => this.b.setRef(on));
  }

  stats(): number[] | Promise<number[]> {
    return coded(() => this.b.stats());
  }

  close(timeoutMs: number): number | Promise<number> {
    return coded(() => this.b.close(timeoutMs));
  }
}

/** Runs a synchronous native call; what it throws becomes a CrossfairError. */
export function coded<R>(call: () => R): R {
  try {
    return call();
  } catch (e) {
    throw fromNativeError(e, 'E_POOL_UNAVAILABLE');
  }
}
