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
}

export class VHeap<T extends Keyed> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(t: T): void {
    this.items.push(t);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (this.items.length > 0 && last !== undefined) {
      this.items[0] = last;
      this.down(0);
    }
    return top;
  }

  /** The root's key grew: restore the order. */
  rekeyRoot(): void {
    if (this.items.length > 0) this.down(0);
  }

  private less(a: T, b: T): boolean {
    return a.vtime < b.vtime || (a.vtime === b.vtime && a.order < b.order);
  }

  private up(i: number): void {
    const it = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(it[i]!, it[p]!)) break;
      [it[i], it[p]] = [it[p]!, it[i]!];
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
      [it[i], it[m]] = [it[m]!, it[i]!];
      i = m;
    }
  }
}
