/**
 * VHeap: a binary min-heap of entities ordered by virtual time, with O(log n)
 * insert, pop and re-key of the root. Used for the tenants of a class, which
 * may number in the thousands (classes are few and scanned linearly).
 *
 *          [v=3]            index i: children 2i+1, 2i+2
 *         /     \
 *     [v=5]     [v=4]
 */

export interface Keyed {
  vtime: number;
  /** Tie-break: earlier activation first, so equal virtual times stay FIFO. */
  order: number;
  /** Where the item sits in its heap (-1 when in none); the heap keeps it. */
  heapIndex: number;
}

export class VHeap<T extends Keyed> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** The item at heap position `i` (children of i are 2i+1 and 2i+2). */
  at(i: number): T | undefined {
    return this.items[i];
  }

  push(t: T): void {
    t.heapIndex = this.items.length;
    this.items.push(t);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `t` from wherever it sits, O(log n). */
  remove(t: T): void {
    const i = t.heapIndex;
    const it = this.items;
    if (i < 0 || it[i] !== t) return;
    const last = it.pop()!;
    t.heapIndex = -1;
    if (last === t) return;
    it[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  /** The root's key grew: restore the order. */
  rekeyRoot(): void {
    if (this.items.length > 0) this.down(0);
  }

  /** `t`'s key grew: restore the order. */
  rekey(t: T): void {
    if (t.heapIndex >= 0) this.down(t.heapIndex);
  }

  /** Empties the heap. */
  clear(): void {
    for (const t of this.items) t.heapIndex = -1;
    this.items.length = 0;
  }

  /**
   * Yields the items in key order, lazily: O(k log k) for the first k, so a
   * search that stops early does not pay for the whole heap. The heap must
   * not change while the generator runs.
   */
  *ordered(): Generator<T> {
    const it = this.items;
    if (it.length === 0) return;
    // A frontier of heap positions, itself a binary heap on the items' keys.
    const frontier: number[] = [0];
    const lessAt = (a: number, b: number): boolean => this.less(it[frontier[a]!]!, it[frontier[b]!]!);
    while (frontier.length > 0) {
      const top = frontier[0]!;
      const last = frontier.pop()!;
      if (frontier.length > 0) {
        frontier[0] = last;
        siftDown(frontier, 0, lessAt);
      }
      yield it[top]!;
      for (const c of [2 * top + 1, 2 * top + 2]) {
        if (c >= it.length) continue;
        frontier.push(c);
        siftUp(frontier, frontier.length - 1, lessAt);
      }
    }
  }

  private less(a: T, b: T): boolean {
    return a.vtime < b.vtime || (a.vtime === b.vtime && a.order < b.order);
  }

  private swap(i: number, j: number): void {
    const it = this.items;
    const a = it[i]!;
    const b = it[j]!;
    it[i] = b;
    it[j] = a;
    b.heapIndex = i;
    a.heapIndex = j;
  }

  private up(i: number): void {
    const it = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(it[i]!, it[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const it = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < it.length && this.less(it[l]!, it[m]!)) m = l;
      if (r < it.length && this.less(it[r]!, it[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

function siftUp(h: number[], i: number, less: (a: number, b: number) => boolean): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(i, p)) return;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function siftDown(h: number[], i: number, less: (a: number, b: number) => boolean): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(l, m)) m = l;
    if (r < h.length && less(r, m)) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}
