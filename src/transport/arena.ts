/**
 * Arena: the allocator for segment 0, the pool's payload arena.
 *
 * Each task takes one block holding its input then its output. Blocks come in
 * power-of-two size classes from 64 B to 64 KiB, carved from the arena by a
 * bump pointer and recycled through one free list per class; they never go
 * back to the bump pointer, so the arena fragments at worst into blocks of the
 * sizes the workload uses. A request larger than the biggest class, or one
 * that finds the arena exhausted, returns -1: the caller then gives the task
 * a side segment of its own.
 *
 *   arena: [blk 64][blk 64][blk 4096][blk 64][blk 256] ... bump -> | free |
 *
 * Alternatives rejected: a first-fit free list (O(n) per allocation and
 * coalescing on the hot path); a ring allocator (needs in-order frees, but
 * tasks complete out of order).
 */

export const MIN_CLASS_BYTES = 64;
/** Largest block: 64 KiB. Beyond it the copy dominates the crossing, so a
 *  dedicated side segment costs nothing noticeable. Tune with the bench. */
export const MAX_CLASS_BYTES = 64 * 1024;
const CLASSES = Math.log2(MAX_CLASS_BYTES / MIN_CLASS_BYTES) + 1;

export class Arena {
  private bump = 0;
  private readonly free: number[][] = Array.from({ length: CLASSES }, () => []);

  constructor(readonly capacity: number) {}

  /** Size class index for `bytes` (> 0), or -1 when too large for the arena. */
  static classOf(bytes: number): number {
    if (bytes > MAX_CLASS_BYTES) return -1;
    const c = Math.ceil(Math.log2(Math.max(bytes, MIN_CLASS_BYTES) / MIN_CLASS_BYTES));
    return c;
  }

  /** Offset of a block of class `cls`, or -1 when the arena is exhausted. */
  alloc(cls: number): number {
    const list = this.free[cls]!;
    if (list.length > 0) return list.pop()!;
    const size = MIN_CLASS_BYTES << cls;
    if (this.bump + size > this.capacity) return -1;
    const off = this.bump;
    this.bump += size;
    return off;
  }

  release(cls: number, off: number): void {
    this.free[cls]!.push(off);
  }

  /** Bytes carved from the arena so far (in use or on a free list). */
  get carved(): number {
    return this.bump;
  }
}
