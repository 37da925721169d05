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
 *   `maxWaitMs` is served next, whatever the virtual times say.
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
 * 2. peek() is the task to dispatch next; shift(estimateUs) removes it
 *    and charges its class and tenant the estimated cost;
 * 3. correct(t, estimateUs, actualUs) when it completes;
 * 4. cancelled(t) when a queued task is cancelled in place (it is skipped).
 *
 * Alternatives rejected: DRR (quantum tuning, poor with mixed costs);
 * per-task virtual finish tags (needs costs known at enqueue, which is
 * exactly what estimate-then-correct avoids).
 */
import { TaskQueue, type Cancellable } from '../queue/task-queue.js';
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

export interface FairClass {
  name: string;
  weight: number;
  maxWaitMs?: number | undefined;
  latencyBudgetMs?: number | undefined;
}

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
  inHeap = false;
  readonly lanes: TaskQueue<T>[] = [];
  private readonly byKey = new Map<string, TaskQueue<T>>();
  constructor(readonly key: string) {}

  push(t: T): void {
    const k = t.laneKey ?? '';
    let lane = this.byKey.get(k);
    if (lane === undefined) {
      lane = new TaskQueue<T>();
      this.byKey.set(k, lane);
      this.lanes.push(lane);
    }
    lane.push(t);
  }

  laneOf(t: T): TaskQueue<T> | undefined {
    return this.byKey.get(t.laneKey ?? '');
  }

  /** The oldest queued task, or with canTake the oldest lane head it accepts; `blocked` when heads exist but none is accepted. */
  next(canTake: ((t: T) => boolean) | undefined): T | undefined | 'blocked' {
    const lanes = this.lanes;
    if (lanes.length === 1) {
      const t = lanes[0]!.peek();
      return t === undefined || canTake === undefined || canTake(t) ? t : 'blocked';
    }
    let best: T | undefined;
    let any = false;
    for (const lane of lanes) {
      const t = lane.peek();
      if (t === undefined) continue;
      any = true;
      if ((best === undefined || (t.seq ?? 0) < (best.seq ?? 0)) && (canTake === undefined || canTake(t))) best = t;
    }
    return best ?? (any ? 'blocked' : undefined);
  }

  /** The oldest queued task whatever can take it (the head reported when all are blocked). */
  oldest(): T | undefined {
    let best: T | undefined;
    for (const lane of this.lanes) {
      const t = lane.peek();
      if (t !== undefined && (best === undefined || (t.seq ?? 0) < (best.seq ?? 0))) best = t;
    }
    return best;
  }
}

class ClassQ<T extends FairItem> implements Keyed {
  vtime = 0;
  order = 0;
  active = false;
  live = 0;
  lastTenantV = 0;
  readonly tenants = new Map<string, TenantQ<T>>();
  readonly heap = new VHeap<TenantQ<T>>();
  /** Arrival order of the class's tasks, for aging. */
  readonly arrivals = new TaskQueue<T>();
  constructor(
    readonly name: string,
    readonly weight: number,
    readonly maxWaitMs: number | undefined,
    /** latencyBudgetMs, or DEFAULT_BUDGET_MS. */
    readonly budgetMs: number,
  ) {}
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
  /** Where the task the last `peek` returned came from, for shift. */
  private peeked: { t: T; cls: ClassQ<T>; tenant: TenantQ<T> | undefined } | undefined;
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
      ten = new TenantQ<T>(key);
      cls.tenants.set(key, ten);
    }
    if (!ten.inHeap) {
      ten.vtime = Math.max(ten.vtime, cls.heap.peek()?.vtime ?? cls.lastTenantV);
      ten.order = this.order++;
      ten.inHeap = true;
      cls.heap.push(ten);
    }
    ten.push(t);
    if (this.aging) cls.arrivals.push(t);
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
   * The next task to serve. With `canTake`, the oldest task of the chosen
   * tenant that some pool can take now (TenantQ): a head no pool can take
   * (its pool is out of credit) does not hold back tasks another pool could
   * run (work conservation). A passed-over head keeps its place and its
   * tenant's virtual time. When nothing of the tenant can go, its oldest
   * task is returned (the caller finds no pool for it and waits).
   */
  peek(canTake?: (t: T) => boolean): T | undefined {
    // Decided afresh on every call: between calls the clock moves, and a
    // class may have become overdue (regression: a cached choice let a light
    // class wait 2.5x its maxWaitMs).
    this.peeked = undefined;
    const now = this.aging ? this.now() : 0;
    const cls = this.pickClass(now);
    if (cls === undefined) return undefined;
    const aged = this.aging ? this.agedHead(cls, now) : undefined;
    if (aged !== undefined) {
      this.peeked = { t: aged, cls, tenant: undefined };
      return aged;
    }
    for (;;) {
      const ten = cls.heap.peek()!;
      if (ten.debt !== 0) {
        ten.vtime += ten.debt;
        ten.debt = 0;
        cls.heap.rekeyRoot();
        continue;
      }
      const pick = ten.next(canTake);
      if (pick === 'blocked') return ten.oldest(); // nothing of the tenant can run now
      if (pick !== undefined) {
        this.peeked = { t: pick, cls, tenant: ten };
        return pick;
      }
      // Only cancelled tasks were left: the tenant goes idle.
      cls.heap.pop();
      ten.inHeap = false;
      cls.lastTenantV = ten.vtime;
      cls.tenants.delete(ten.key);
    }
  }

  /** Step 2: removes the task peek() returned and charges `estimateUs` for it. */
  shift(estimateUs: number): T | undefined {
    // The task the caller peeked and placed, even if the clock has moved since.
    if (!this.peeked?.t.queued) this.peek();
    if (this.peeked === undefined) return undefined;
    const { t, cls, tenant } = this.peeked;
    if (cls.weight > 0) cls.vtime += estimateUs / cls.weight;
    if (tenant !== undefined) {
      // Always the head of its lane (TenantQ).
      tenant.laneOf(t)!.shift();
      tenant.vtime += estimateUs;
      cls.heap.rekeyRoot(); // the tenant served is the heap's root
    } else {
      // An aged task: it leaves its tenant's queue lazily, and the tenant's
      // charge waits as debt until the tenant is at the root again.
      const ten = this.tenantOf(t);
      if (ten !== undefined) {
        // The oldest of its class is the oldest of its tenant: its lane's head.
        const lane = ten.laneOf(t)!;
        if (lane.peek() === t) lane.shift();
        else lane.cancelled();
        ten.debt += estimateUs;
      }
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
    if (ten !== undefined) ten.laneOf(t)!.cancelled();
    this.left(cls);
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

  private tenantOf(t: T): TenantQ<T> | undefined {
    return this.classes.get(t.className)!.tenants.get(t.tenant ?? '');
  }

  private left(cls: ClassQ<T>): void {
    cls.live--;
    this.live--;
    if (cls.live === 0) {
      cls.active = false;
      this.lastClassV = cls.vtime;
    }
    this.peeked = undefined;
  }

  private classFloor(): number {
    let min = Infinity;
    for (const c of this.list) if (c.active && c.weight > 0 && c.vtime < min) min = c.vtime;
    return min === Infinity ? this.lastClassV : min;
  }

  private pickClass(now: number): ClassQ<T> | undefined {
    let best: ClassQ<T> | undefined;
    let scavenger: ClassQ<T> | undefined;
    let oldest: ClassQ<T> | undefined;
    let oldestOverdue = 0;
    for (const c of this.list) {
      if (!c.active) continue;
      if (this.aging && c.maxWaitMs !== undefined) {
        const head = c.arrivals.peek();
        const overdue = head ? now - head.enqueuedAt - c.maxWaitMs : -1;
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

  /** The class's oldest task if it is past maxWaitMs. */
  private agedHead(cls: ClassQ<T>, now: number): T | undefined {
    if (cls.maxWaitMs === undefined) return undefined;
    const head = cls.arrivals.peek();
    return head !== undefined && now - head.enqueuedAt > cls.maxWaitMs ? head : undefined;
  }
}
