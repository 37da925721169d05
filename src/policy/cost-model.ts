/**
 * CostModel: what a task of a kind is expected to cost, in µs of execution,
 * learned from measured execution times. Used to charge the fair queue at
 * dispatch (corrected at completion, so errors here cost accuracy of the
 * moment, not fairness over time).
 *
 * Per kind: an exponentially weighted mean of execUs per input byte plus a
 * fixed part is overkill for the built-ins; a plain EWMA of execUs, with
 * samples clamped to 4x the current mean so one outlier (a descheduled
 * worker) cannot swing it, is what the fair queue needs now. The
 * placement-by-cost work of issue 3 extends this per pool.
 */

/** Weight of a new sample: about the last 10 tasks dominate. Tune with the fairness bench. */
export const EWMA_ALPHA = 0.1;
/** Samples above this multiple of the mean are clamped to it. */
export const OUTLIER_FACTOR = 4;
/** Charge for a kind never seen and given no hint: a typical small task. */
export const DEFAULT_COST_US = 100;

export class CostModel {
  private readonly mean = new Map<string, number>();

  /** The estimate for a task: its hint if it has one, else the learned mean. */
  estimate(kind: string, hintUs: number | undefined): number {
    return hintUs ?? this.mean.get(kind) ?? DEFAULT_COST_US;
  }

  observe(kind: string, execUs: number): void {
    const m = this.mean.get(kind);
    if (m === undefined) {
      this.mean.set(kind, execUs);
      return;
    }
    const x = Math.min(execUs, OUTLIER_FACTOR * m);
    this.mean.set(kind, m + EWMA_ALPHA * (x - m));
  }
}
