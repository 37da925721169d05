/**
 * FairQueue: weighted fair queuing of waiting tasks, two levels deep:
 * classes share the pools by weight, and the tenants of a class share that
 * class's part equally. Shares are counted in execution time, not tasks.
 *
 * Model (start-time fair queuing in the style of CFS/EEVDF's vruntime):
 * - every class and every tenant has a virtual time `vtime`: the execution
 *   time it has been charged, divided by its weight;
 * - the next task comes from the backlogged class with the smallest vtime
 *   and, within it, from the tenant with the smallest vtime (FIFO within a
 *   tenant);
 * - an entity that becomes backlogged starts at max(its vtime, the smallest
 *   vtime of the backlogged entities), so time spent idle is not banked:
 *   an idle class's share flows to the others (work-conserving) and does not
 *   come back as a burst;
 * - estimate-then-correct (Kubernetes APF): a task is charged its estimated
 *   cost when dispatched and corrected by (measured - estimate) when it
 *   completes. Class corrections apply at once; tenant corrections are held
 *   as debt and applied when the tenant next reaches the top of its heap.
 * - aging: a class's oldest task that has waited past the class's
 *   `maxWaitMs` is served next, whatever the virtual times say, provided
 *   a pool can take it now; an overdue task no pool can take does not hold
 *   back anything else.
 * - work conservation: with `canTake`, a class or tenant whose waiting
 *   tasks no pool can take now (pinned to a full pool, say) is passed over
 *   for the next one in fair order that some pool can take. Whether a pool
 *   can take a task depends only on its lane key (kind, pin, I/O hint), so
 *   one call per lane key and peek decides for every task behind it.
 * - tenants are kept while they have queued tasks. One that goes idle
 *   keeps a small record (no queue) only while its virtual time is ahead
 *   of the backlogged tenants' (returning at once must not erase what it
 *   was charged); records that fall behind, and all of a class's records
 *   when the class goes idle, are dropped (IDLE_SWEEP per idle event).
 * - weight 0: served only while no weighted class is backlogged.
 * - latency budgets (EEVDF's virtual deadlines): once any class declares
 *   `latencyBudgetMs`, the class served is, among the *eligible* ones (vtime
 *   at most V, the weight-averaged vtime of the backlogged classes: they are
 *   owed service, lag >= 0), the one with the earliest virtual deadline
 *   vtime + budget * k. k converts wall ms to virtual µs at the current
 *   rate (1000 * capacity / the backlogged weight), so the deadline is where
 *   virtual time will be when the budget runs out; a class without a budget
 *   has DEFAULT_BUDGET_MS. A class with a short budget is therefore served
 *   first whenever it is eligible, yet it cannot take more than its weight's
 *   share: past V it is not eligible. With equal budgets the pick is the
 *   smallest vtime, i.e. exactly SFQ (so without budgets SFQ runs directly).
 *
 * Bound (docs/FAIRNESS.md derives it): for two classes backlogged over an
 * interval, |served_i/w_i - served_j/w_j| <= (C_i + D_i)/w_i + (C_j + D_j)/w_j,
 * where C is the largest single task cost and D the cost still uncorrected
 * (in flight) at the interval's ends. Deadlines keep it: a class is
 * served early only while eligible, so at most one charge past V.
 *
 * Protocol with the scheduler:
 * 1. push(t) when a task is queued;
 * 2. peek(canTake) is the task to dispatch next (undefined when nothing
 *    queued can be taken now); shift(estimateUs) removes it and charges
 *    its class and tenant the estimated cost;
 * 3. correct(t, estimateUs, actualUs) when it completes;
 * 4. cancelled(t) when a queued task is cancelled in place (it is skipped);
 * 5. drain() hands back every queued task, in arrival order, and empties
 *    the queue (a policy change, close).
 *
 * Alternatives rejected: DRR (quantum tuning, poor with mixed costs);
 * per-task virtual finish tags (needs costs known at enqueue, which is
 * exactly what estimate-then-correct avoids).
 */
import { SMALL_CAPACITY, TaskQueue, type Cancellable } from './task-queue.js';
import { VHeap, type Keyed } from './vheap.js';
import { keepOldest } from './policy-queue.js';

export interface FairItem extends Cancellable {
  readonly className: string;
  readonly tenant: string | undefined;
  /** When it was queued, in ms on the scheduler's clock. */
  readonly enqueuedAt: number;
  /**
   * Tasks with the same lane key are placed alike (the scheduler uses kind,
   * pin and I/O hint): whether some pool can take one now says the same for
   * all. Default: one lane.
   */
  readonly laneKey?: string | undefined;
  /** Arrival order, increasing (orders the heads of a tenant's lanes). */
  readonly seq?: number | undefined;
}

/** The latency budget of a class that declares none: its deadline lead.
 *  Long next to any real budget, so declared budgets come first. */
export const DEFAULT_BUDGET_MS = 1000;

/**
 * Idle tenant records looked at each time a tenant goes idle: those that
 * fell behind the backlogged tenants are dropped. Two per event keeps the
 * records at most about the tenants still ahead, at O(1) per event.
 */
const IDLE_SWEEP = 2;

export interface FairClass {
  name: string;
  weight: number;
  maxWaitMs?: number | undefined;
  latencyBudgetMs?: number | undefined;
}

type CanTake<T> = ((t: T) => boolean) | undefined;

const keyOf = (t: FairItem): string => t.laneKey ?? '';
const seqOf = (t: FairItem): number => t.seq ?? 0;

/**
 * A tenant's queue: FIFO, kept as one FIFO lane per lane key (FairItem).
 * The tenant's next task is the oldest lane head; with `canTake`, the oldest
 * lane head some pool can take. A lane's tasks are placed alike, so a head
 * that cannot go means nothing behind it in its lane can: looking at heads
 * alone is exact, at O(lanes) per decision, however deep the lanes.
 */
class TenantQ<T extends FairItem> implements Keyed {
  vtime = 0;
  order = 0;
  debt = 0;
  heapIndex = -1;
  /** Queued tasks, not counting those cancelled in place. */
  live = 0;
  lanes: TaskQueue<T>[] = [];
  private byKey = new Map<string, TaskQueue<T>>();
  constructor(readonly key: string) {}

  push(t: T): void {
    const k = keyOf(t);
    let lane = this.byKey.get(k);
    if (lane === undefined) {
      lane = new TaskQueue<T>(SMALL_CAPACITY);
      this.byKey.set(k, lane);
      this.lanes.push(lane);
    }
    lane.push(t);
    this.live++;
  }

  laneOf(t: T): TaskQueue<T> | undefined {
    return this.byKey.get(keyOf(t));
  }

  /**
   * The oldest queued task, or with canTake the oldest lane head it accepts;
   * `blocked` when heads exist but none is accepted. Lane keys found blocked
   * are added to `blocked` and not asked again.
   */
  next(canTake: CanTake<T>, blocked: Set<string>): T | undefined | 'blocked' {
    let best: T | undefined;
    let any = false;
    for (const lane of this.lanes) {
      const t = lane.peek();
      if (t === undefined) continue;
      any = true;
      if (best !== undefined && seqOf(t) >= seqOf(best)) continue;
      if (canTake !== undefined) {
        if (blocked.size > 0 && blocked.has(keyOf(t))) continue;
        if (!canTake(t)) {
          blocked.add(keyOf(t));
          continue;
        }
      }
      best = t;
    }
    return best ?? (any ? 'blocked' : undefined);
  }

  /** The oldest queued task whatever can take it. */
  oldest(): T | undefined {
    let best: T | undefined;
    for (const lane of this.lanes) {
      const t = lane.peek();
      if (t !== undefined && (best === undefined || seqOf(t) < seqOf(best))) best = t;
    }
    return best;
  }

  /** Its queued tasks (for drain). */
  *queuedTasks(): Generator<T> {
    for (const lane of this.lanes) yield* lane.queuedTasks();
  }

  /** A dropped record taken up again: as a new one, but with its (empty) lanes. */
  renew(): this {
    this.vtime = 0;
    this.debt = 0;
    return this;
  }

  /** Gone idle: the lanes' memory goes; the virtual time stays. */
  release(): void {
    this.lanes = [];
    this.byKey = new Map();
  }
}

class ClassQ<T extends FairItem> {
  vtime = 0;
  order = 0;
  active = false;
  live = 0;
  lastTenantV = 0;
  /** Every tenant record: backlogged (in the heap) and idle (in `idle`). */
  readonly tenants = new Map<string, TenantQ<T>>();
  readonly heap = new VHeap<TenantQ<T>>();
  /** Idle records still ahead of the backlogged tenants, oldest first. */
  readonly idle = new Map<string, TenantQ<T>>();
  /** Arrival order of the class's tasks per lane key, for aging. */
  readonly arrivals = new Map<string, TaskQueue<T>>();
  /** Queued tasks per lane key (work conservation: is every lane blocked?). A key stays at 0 when its
   *  lane empties (deleting and adding it again on every task churns the map); the keys are few:
   *  kinds × pins × placement hints. */
  readonly laneLive = new Map<string, number>();
  /** The last tenant record dropped, kept for its next task: when the pools keep up, a class's
   *  one tenant leaves after every task, and a new record (with its lanes) each time costs. */
  spare: TenantQ<T> | undefined;
  constructor(
    readonly name: string,
    readonly weight: number,
    readonly maxWaitMs: number | undefined,
    /** latencyBudgetMs, or DEFAULT_BUDGET_MS. */
    readonly budgetMs: number,
  ) {}

  /** True when every lane key with queued tasks is in `blocked`. */
  allBlocked(blocked: Set<string>): boolean {
    if (blocked.size === 0) return false;
    for (const [k, n] of this.laneLive) if (n > 0 && !blocked.has(k)) return false;
    return true;
  }

  /** How long its oldest task is past maxWaitMs (<= 0: none is). */
  overdue(now: number): number {
    if (this.maxWaitMs === undefined) return -1;
    let oldest = Infinity;
    for (const lane of this.arrivals.values()) {
      const t = lane.peek();
      if (t !== undefined && t.enqueuedAt < oldest) oldest = t.enqueuedAt;
    }
    return now - oldest - this.maxWaitMs;
  }

  countLane(k: string, by: number): void {
    this.laneLive.set(k, (this.laneLive.get(k) ?? 0) + by);
  }
}

export class FairQueue<T extends FairItem> {
  private readonly classes = new Map<string, ClassQ<T>>();
  private readonly list: ClassQ<T>[] = [];
  private order = 0;
  private lastClassV = 0;
  /** Some class has maxWaitMs: only then is the clock read on the hot path. */
  private readonly aging: boolean;
  /** Some class has latencyBudgetMs: pick by virtual deadline (header). */
  private readonly deadlines: boolean;
  /** The task the last `peek` returned and where it came from, for shift (tenant undefined: an aged task).
   *  Three fields rather than a record: no allocation per task. */
  private peeked: T | undefined;
  private peekedCls: ClassQ<T> | undefined;
  private peekedTenant: TenantQ<T> | undefined;
  /** Lane keys no pool could take during the current peek (reused: no allocation per call). */
  private readonly blocked = new Set<string>();
  live = 0;

  /**
   * @param capacity workers serving the queue in all (sets the rate at which
   *   virtual time passes, for deadlines; the pick is not sensitive to it).
   */
  constructor(
    classes: readonly FairClass[],
    private readonly now: () => number,
    private readonly capacity = 1,
  ) {
    for (const c of classes) {
      const q = new ClassQ<T>(c.name, c.weight, c.maxWaitMs, c.latencyBudgetMs ?? DEFAULT_BUDGET_MS);
      this.classes.set(c.name, q);
      this.list.push(q);
    }
    this.aging = classes.some((c) => c.maxWaitMs !== undefined);
    this.deadlines = classes.some((c) => c.latencyBudgetMs !== undefined);
  }

  push(t: T): void {
    const cls = this.classes.get(t.className)!;
    const key = t.tenant ?? '';
    let ten = cls.tenants.get(key);
    if (ten === undefined) {
      ten = cls.spare?.key === key ? cls.spare.renew() : new TenantQ<T>(key);
      cls.spare = undefined;
      cls.tenants.set(key, ten);
    }
    if (ten.heapIndex < 0) {
      cls.idle.delete(key);
      ten.vtime = Math.max(ten.vtime, cls.heap.peek()?.vtime ?? cls.lastTenantV);
      ten.order = this.order++;
      cls.heap.push(ten);
    }
    ten.push(t);
    const k = keyOf(t);
    cls.countLane(k, 1);
    if (this.aging && cls.maxWaitMs !== undefined) {
      let lane = cls.arrivals.get(k);
      if (lane === undefined) {
        lane = new TaskQueue<T>(SMALL_CAPACITY);
        cls.arrivals.set(k, lane);
      }
      lane.push(t);
    }
    if (!cls.active) {
      cls.vtime = Math.max(cls.vtime, this.classFloor());
      cls.order = this.order++;
      cls.active = true;
    }
    cls.live++;
    this.live++;
    this.peeked = undefined;
  }

  /**
   * The next task to serve, or undefined when none is queued — or, with
   * `canTake`, when no queued task can be taken now. With `canTake`:
   * 1. overdue tasks a pool can take, most overdue class first;
   * 2. the class fair order picks, then the other classes by virtual time,
   *    skipping a class whose every lane is blocked;
   * 3. within a class, the tenant with the smallest virtual time that has a
   *    task a pool can take (its oldest such task).
   * A passed-over task keeps its place, and its tenant its virtual time.
   */
  peek(canTake?: (t: T) => boolean): T | undefined {
    // Decided afresh on every call: between calls the clock moves, and a
    // class may have become overdue (regression: a cached choice let a light
    // class wait 2.5x its maxWaitMs).
    this.peeked = undefined;
    if (this.live === 0) return undefined;
    const now = this.aging ? this.now() : 0;
    const blocked = this.blocked;
    if (blocked.size > 0) blocked.clear();
    if (canTake === undefined) {
      const cls = this.pickClass(now);
      if (cls === undefined) return undefined;
      return (this.aging ? this.agedHead(cls, now, undefined) : undefined) ?? this.fromTenants(cls, undefined);
    }
    if (this.aging) {
      for (const cls of this.overdueClasses(now)) {
        const t = this.agedHead(cls, now, canTake);
        if (t !== undefined) return t;
      }
    }
    const first = this.pickClass(now, false);
    if (first === undefined) return undefined;
    if (!first.allBlocked(blocked)) {
      const t = this.fromTenants(first, canTake);
      if (t !== undefined) return t;
    }
    // The fair pick can take nothing now: the others, in virtual-time order
    // (none to look at, and nothing to allocate, with a single class).
    if (this.list.length === 1) return undefined;
    const rest = this.list.filter((c) => c.active && c !== first && !c.allBlocked(blocked));
    rest.sort((a, b) => (a.weight === 0 ? 1 : 0) - (b.weight === 0 ? 1 : 0) || a.vtime - b.vtime || a.order - b.order);
    for (const cls of rest) {
      if (cls.allBlocked(blocked)) continue;
      const t = this.fromTenants(cls, canTake);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  /** Step 2: removes the task peek() returned and charges `estimateUs` for it. */
  shift(estimateUs: number): T | undefined {
    // The task the caller peeked and placed, even if the clock has moved since.
    if (!this.peeked?.queued) this.peek();
    const t = this.peeked;
    if (t === undefined) return undefined;
    const cls = this.peekedCls!;
    const tenant = this.peekedTenant;
    if (cls.weight > 0) cls.vtime += estimateUs / cls.weight;
    if (tenant !== undefined) {
      // Always the head of its lane (TenantQ).
      tenant.laneOf(t)!.shift();
      tenant.vtime += estimateUs;
      cls.heap.rekey(tenant);
      this.taken(cls, tenant, t);
    } else {
      // An aged task, the head of its arrival lane. It leaves its tenant's
      // queue lazily, and the tenant's charge waits as debt until the
      // tenant is at the root again.
      cls.arrivals.get(keyOf(t))!.shift();
      const ten = this.tenantOf(t)!;
      const lane = ten.laneOf(t)!;
      if (lane.peek() === t) lane.shift();
      else lane.cancelled();
      ten.debt += estimateUs;
      this.taken(cls, ten, t);
    }
    this.left(cls);
    return t;
  }

  /** Step 3. */
  correct(t: T, estimateUs: number, actualUs: number): void {
    const delta = actualUs - estimateUs;
    const cls = this.classes.get(t.className)!;
    if (cls.weight > 0) cls.vtime += delta / cls.weight;
    const ten = this.tenantOf(t);
    if (ten) ten.debt += delta;
    this.peeked = undefined;
  }

  /** Step 4: a queued task was cancelled in place. */
  cancelled(t: T): void {
    const cls = this.classes.get(t.className)!;
    const ten = this.tenantOf(t);
    if (ten !== undefined && ten.heapIndex >= 0) {
      ten.laneOf(t)!.cancelled();
      this.taken(cls, ten, t);
    }
    this.left(cls);
  }

  /** Step 5: every queued task, in arrival order; the queue is left empty (virtual times are kept). */
  drain(): T[] {
    const out: T[] = [];
    for (const cls of this.list) {
      for (const ten of cls.tenants.values()) for (const t of ten.queuedTasks()) out.push(t);
      this.reset(cls);
    }
    this.live = 0;
    this.peeked = undefined;
    return out.sort((a, b) => seqOf(a) - seqOf(b));
  }

  /** When the oldest queued task of each class was queued: the oldest lane head of its tenants. */
  oldestByClass(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.list) {
      for (const ten of c.tenants.values()) {
        const t = ten.oldest();
        if (t !== undefined) keepOldest(out, c.name, t.enqueuedAt);
      }
    }
    return out;
  }

  /** Virtual time of each class, for stats and tests. */
  vtimes(): Record<string, number> {
    return Object.fromEntries(this.list.map((c) => [c.name, c.vtime]));
  }

  /** Tenant records held (backlogged and idle), for tests and stats. */
  tenantCount(): number {
    let n = 0;
    for (const c of this.list) n += c.tenants.size;
    return n;
  }

  private tenantOf(t: T): TenantQ<T> | undefined {
    return this.classes.get(t.className)!.tenants.get(t.tenant ?? '');
  }

  /** `t` left `ten`'s queue (served or cancelled); a tenant left with nothing queued goes idle. */
  private taken(cls: ClassQ<T>, ten: TenantQ<T>, t: T): void {
    ten.live--;
    cls.countLane(keyOf(t), -1);
    if (ten.live > 0) return;
    cls.heap.remove(ten);
    cls.lastTenantV = ten.vtime;
    const floor = cls.heap.peek()?.vtime;
    if (floor !== undefined && ten.vtime + ten.debt > floor) {
      ten.release(); // the record stays a while; its lanes' memory goes now
      cls.idle.set(ten.key, ten);
    } else {
      cls.tenants.delete(ten.key);
      cls.spare = ten;
    }
    this.sweepIdle(cls, floor);
  }

  /** Drops up to IDLE_SWEEP idle records that fell behind `floor`; those still ahead go to the back. */
  private sweepIdle(cls: ClassQ<T>, floor: number | undefined): void {
    for (let k = 0; k < IDLE_SWEEP && cls.idle.size > 0; k++) {
      const [key, ten] = cls.idle.entries().next().value as [string, TenantQ<T>];
      cls.idle.delete(key);
      if (floor !== undefined && ten.vtime + ten.debt > floor) cls.idle.set(key, ten);
      else cls.tenants.delete(key);
    }
  }

  private left(cls: ClassQ<T>): void {
    cls.live--;
    this.live--;
    if (cls.live === 0) {
      cls.active = false;
      this.lastClassV = cls.vtime;
      // Nothing of the class waits: its tenants' history is no longer owed.
      this.reset(cls);
    }
    this.peeked = undefined;
  }

  /** Empties a class's queue and drops its tenants (its own virtual time stays). */
  private reset(cls: ClassQ<T>): void {
    const top = cls.heap.peek();
    if (top !== undefined) cls.lastTenantV = top.vtime;
    // Map.clear allocates a new table even for an empty map, and a class
    // empties after every task when the pools keep up: clear only what holds something.
    if (cls.heap.size > 0) cls.heap.clear();
    if (cls.tenants.size > 0) cls.tenants.clear();
    if (cls.idle.size > 0) cls.idle.clear();
    if (cls.arrivals.size > 0) cls.arrivals.clear();
    for (const k of cls.laneLive.keys()) cls.laneLive.set(k, 0);
    if (cls.active) this.lastClassV = cls.vtime;
    cls.active = false;
    cls.live = 0;
  }

  private classFloor(): number {
    let min = Infinity;
    for (const c of this.list) if (c.active && c.weight > 0 && c.vtime < min) min = c.vtime;
    return min === Infinity ? this.lastClassV : min;
  }

  /** The tenant with the smallest virtual time that has a task `canTake` accepts (header, step 3). */
  private fromTenants(cls: ClassQ<T>, canTake: CanTake<T>): T | undefined {
    const blocked = this.blocked;
    let root = cls.heap.peek()!;
    while (root.debt !== 0) {
      root.vtime += root.debt;
      root.debt = 0;
      cls.heap.rekeyRoot();
      root = cls.heap.peek()!;
    }
    const pick = root.next(canTake, blocked);
    if (pick !== 'blocked') return this.found(pick, cls, root);
    if (cls.heap.size === 1) return undefined; // no other tenant to pass to
    // The root can take nothing now: the next tenants in virtual-time order.
    for (const ten of cls.heap.ordered()) {
      if (cls.allBlocked(blocked)) return undefined;
      if (ten === root) continue;
      const t = ten.next(canTake, blocked);
      if (t !== 'blocked') return this.found(t, cls, ten);
    }
    return undefined;
  }

  private found(t: T | undefined, cls: ClassQ<T>, tenant: TenantQ<T> | undefined): T | undefined {
    if (t !== undefined) {
      this.peeked = t;
      this.peekedCls = cls;
      this.peekedTenant = tenant;
    }
    return t;
  }

  /** Active classes with an overdue task, most overdue first. */
  private overdueClasses(now: number): ClassQ<T>[] {
    const out: { c: ClassQ<T>; by: number }[] = [];
    for (const c of this.list) {
      if (!c.active) continue;
      const by = c.overdue(now); // scans the class's arrival lanes: once per class
      if (by > 0) out.push({ c, by });
    }
    if (out.length > 1) out.sort((a, b) => b.by - a.by);
    return out.map((x) => x.c);
  }

  /**
   * With `canTake` undefined: the class's most overdue task (the oldest
   * arrival-lane head) if past maxWaitMs. With `canTake`: the oldest overdue
   * lane head that it accepts.
   */
  private agedHead(cls: ClassQ<T>, now: number, canTake: CanTake<T>): T | undefined {
    if (cls.maxWaitMs === undefined) return undefined;
    const heads: T[] = [];
    for (const lane of cls.arrivals.values()) {
      const t = lane.peek();
      if (t !== undefined && now - t.enqueuedAt > cls.maxWaitMs) heads.push(t);
    }
    if (heads.length > 1) heads.sort((a, b) => a.enqueuedAt - b.enqueuedAt || seqOf(a) - seqOf(b));
    for (const t of heads) {
      if (canTake !== undefined) {
        const k = keyOf(t);
        if (this.blocked.has(k)) continue;
        if (!canTake(t)) {
          this.blocked.add(k);
          continue;
        }
      }
      return this.found(t, cls, undefined);
    }
    return undefined;
  }

  /** The class to serve; with `aging`, an overdue class comes first. */
  private pickClass(now: number, aging = this.aging): ClassQ<T> | undefined {
    let best: ClassQ<T> | undefined;
    let scavenger: ClassQ<T> | undefined;
    let oldest: ClassQ<T> | undefined;
    let oldestOverdue = 0;
    for (const c of this.list) {
      if (!c.active) continue;
      if (aging) {
        const overdue = c.overdue(now);
        if (overdue > oldestOverdue) {
          oldest = c;
          oldestOverdue = overdue;
        }
      }
      if (c.weight === 0) {
        scavenger ??= c;
        continue;
      }
      if (best === undefined || c.vtime < best.vtime || (c.vtime === best.vtime && c.order < best.order)) best = c;
    }
    if (oldest !== undefined) return oldest;
    if (best !== undefined && this.deadlines) return this.earliestDeadline();
    return best ?? scavenger;
  }

  /** Among the eligible weighted classes (vtime <= V), the earliest vtime + budget * k (header). */
  private earliestDeadline(): ClassQ<T> {
    let sw = 0;
    let swv = 0;
    let vmin = Infinity;
    for (const c of this.list) {
      if (!c.active || c.weight === 0) continue;
      sw += c.weight;
      swv += c.weight * c.vtime;
      if (c.vtime < vmin) vmin = c.vtime;
    }
    // The weighted mean is at least the minimum; rounding must not make the
    // minimum itself ineligible.
    const v = Math.max(swv / sw, vmin);
    const k = (1000 * this.capacity) / sw;
    let best: ClassQ<T> | undefined;
    let bestD = Infinity;
    for (const c of this.list) {
      if (!c.active || c.weight === 0 || c.vtime > v) continue;
      const d = c.vtime + c.budgetMs * k;
      if (best === undefined || d < bestD || (d === bestD && c.order < best.order)) {
        best = c;
        bestD = d;
      }
    }
    return best!;
  }
}
