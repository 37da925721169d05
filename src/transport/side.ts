/**
 * SideSegments: the shared memory of payloads the arena cannot hold (over
 * its largest block, or staged while it is full). Each such task gets a
 * side segment of its own (input, then output) for as long as it is in
 * flight; finished segments stay registered and are reused, so a steady
 * stream of large payloads allocates nothing after its first tasks.
 *
 * Why reuse instead of a fresh SharedArrayBuffer per task: V8 frees a
 * SharedArrayBuffer's memory only when it collects the object, and it does
 * not count that memory toward its collection heuristics as it does an
 * ordinary ArrayBuffer's. One fresh 64 MiB segment per 32 MiB echo grew the
 * process by gigabytes within a second. So segments are never handed to the
 * caller (outputs are copied out into ordinary memory, ring.ts) and are
 * dropped only when the budget below makes room.
 *
 * Sizes: a segment's capacity is the bytes asked for rounded up to a
 * quarter power of two (64 B minimum): at most 25% over, and a workload of
 * similar sizes reuses the same few segments (a request over the budget
 * gets exactly its bytes: it is never kept). A request reuses the smallest
 * free segment with capacity >= its bytes and <= 4x them.
 *
 * Budget (bytes, per pool): in use plus kept free. A new segment is
 * allocated only while in-use bytes plus it fit the budget, free segments
 * being dropped first to make room; past that the request waits (`FULL`)
 * until a segment is given back. With none in use a request always
 * proceeds, however large, so one payload over the budget still runs
 * (its segment is dropped when it is given back).
 *
 *   in use: [64 MiB t1][64 MiB t2]   free: [128 MiB][8 MiB]   budget 256 MiB
 *
 * Invariants:
 * - a segment is either in use by exactly one task or free, never both;
 * - every segment here is registered with the native side under its id;
 *   a dropped one is unregistered first;
 * - `inUse + free` bytes <= budget, except while one request larger than
 *   the budget is in use.
 */
import { MAX_SEGMENTS } from './layout.js';

/** A registered side segment. */
export interface Side {
  readonly id: number;
  readonly sab: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly buf: Buffer;
  readonly cap: number;
}

/** Side segment bytes a pool may hold (in use and free) before large payloads wait. */
export const SIDE_BUDGET_BYTES = 256 * 1024 * 1024;
/** Largest segment: offsets and lengths are u32 (docs/TRANSPORT.md). */
export const MAX_SEGMENT_BYTES = 2 ** 32 - 1;
/** A free segment serves a request of at least 1/REUSE_SPAN of its capacity. */
const REUSE_SPAN = 4;
const MIN_CAP = 64;

/**
 * Where payload memory comes from: the one seam through which tests make
 * allocation fail without exhausting the machine's memory.
 */
export const memory = {
  /** A new shared segment. */
  shared: (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(bytes),
  /** An output's bytes copied out of shared memory into an ordinary buffer. */
  copy: (from: Uint8Array, start: number, end: number): Uint8Array => from.slice(start, end),
};

/** Capacity of the segment for `bytes` (> 0): rounded up to a quarter power of two. */
export function sideCapacity(bytes: number): number {
  if (bytes <= MIN_CAP) return MIN_CAP;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.min(Math.ceil(bytes / step) * step, MAX_SEGMENT_BYTES);
}

/** take() found no room now: wait until a segment is given back. */
export const FULL = 'full';
/** take() could not allocate the segment's memory. */
export const NO_MEMORY = 'no-memory';

export class SideSegments {
  /** Free segments by capacity. */
  private readonly free = new Map<number, Side[]>();
  private readonly freeIds: number[] = [];
  /** Bytes of segments in use by tasks. */
  inUse = 0;
  /** Bytes of free segments kept for reuse. */
  kept = 0;

  constructor(
    private readonly register: (id: number, u8: Uint8Array) => void,
    private readonly unregister: (id: number) => void,
    readonly budget = SIDE_BUDGET_BYTES,
  ) {
    for (let id = MAX_SEGMENTS - 1; id >= 1; id--) this.freeIds.push(id);
  }

  /** A segment of at least `bytes` (1 .. MAX_SEGMENT_BYTES) for one task, or why not. */
  take(bytes: number): Side | typeof FULL | typeof NO_MEMORY {
    const reused = this.reuse(bytes);
    if (reused !== undefined) return reused;
    // Over the budget a segment is never kept, so it is not rounded up either.
    const cap = bytes > this.budget ? bytes : sideCapacity(bytes);
    if (this.inUse > 0 && this.inUse + cap > this.budget) return FULL;
    this.dropFree(this.budget - this.inUse - cap);
    if (this.freeIds.length === 0 && this.kept > 0) this.dropFree(this.kept - 1); // frees one id
    if (this.freeIds.length === 0) return FULL; // 4095 segments in use: some will come back
    let sab: SharedArrayBuffer;
    try {
      sab = memory.shared(cap);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      this.dropFree(0); // whatever is kept goes back to V8 for the next attempt
      return NO_MEMORY;
    }
    const id = this.freeIds.pop()!;
    const side: Side = { id, sab, u8: new Uint8Array(sab), buf: Buffer.from(sab), cap };
    try {
      this.register(id, side.u8);
    } catch (e) {
      this.freeIds.push(id);
      throw e;
    }
    this.inUse += cap;
    return side;
  }

  /** The task using `side` has completed: keep it for reuse, or drop it over the budget. */
  give(side: Side): void {
    this.inUse -= side.cap;
    if (this.inUse + this.kept + side.cap > this.budget) {
      this.drop(side);
      return;
    }
    let list = this.free.get(side.cap);
    if (list === undefined) this.free.set(side.cap, (list = []));
    list.push(side);
    this.kept += side.cap;
  }

  /** Every segment kept for reuse (close: native may still have them registered). */
  keptSegments(): Side[] {
    return [...this.free.values()].flat();
  }

  private reuse(bytes: number): Side | undefined {
    if (this.kept === 0) return undefined;
    let best = -1;
    for (const [cap, list] of this.free) {
      if (list.length > 0 && cap >= bytes && cap <= bytes * REUSE_SPAN && (best < 0 || cap < best)) best = cap;
    }
    if (best < 0) return undefined;
    const side = this.free.get(best)!.pop()!;
    this.kept -= side.cap;
    this.inUse += side.cap;
    return side;
  }

  /** Drops free segments, largest first, until at most `keep` bytes stay kept. */
  private dropFree(keep: number): void {
    if (this.kept <= Math.max(keep, 0)) return;
    const caps = [...this.free.keys()].sort((a, b) => b - a);
    for (const cap of caps) {
      const list = this.free.get(cap)!;
      while (list.length > 0 && this.kept > Math.max(keep, 0)) {
        const side = list.pop()!;
        this.kept -= side.cap;
        this.drop(side);
      }
      if (list.length === 0) this.free.delete(cap);
    }
  }

  private drop(side: Side): void {
    try {
      this.unregister(side.id);
    } catch {
      // Only after close: the native side no longer reads segments, and it
      // held its own reference to this one while it could.
    }
    this.freeIds.push(side.id);
  }
}
