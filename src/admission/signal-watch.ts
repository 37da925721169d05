/**
 * SignalWatch: one 'abort' listener per AbortSignal, however many tasks
 * share it. Each task adding its own listener made `submit()` O(n) in the
 * tasks sharing a signal (Node's EventTarget scans its listeners on add):
 * 100k tasks on one signal blocked the event loop for 24 s.
 *
 * Protocol:
 * 1. watch(signal, task) when a task with a signal is admitted: the first
 *    task of a signal adds the listener;
 * 2. unwatch(signal, task) when the task settles: the last one removes it;
 * 3. on abort, `onAbort(task)` is called for each task still watched, in
 *    admission order; the listener is gone by then.
 */
export class SignalWatch<T> {
  private readonly watched = new Map<AbortSignal, { tasks: Set<T>; listener: () => void }>();

  constructor(private readonly onAbort: (task: T) => void) {}

  watch(signal: AbortSignal, task: T): void {
    let w = this.watched.get(signal);
    if (w === undefined) {
      const entry = {
        tasks: new Set<T>(),
        listener: (): void => {
          this.watched.delete(signal);
          for (const t of entry.tasks) this.onAbort(t);
        },
      };
      w = entry;
      this.watched.set(signal, w);
      signal.addEventListener('abort', w.listener, { once: true });
    }
    w.tasks.add(task);
  }

  unwatch(signal: AbortSignal, task: T): void {
    const w = this.watched.get(signal);
    if (w === undefined || !w.tasks.delete(task) || w.tasks.size > 0) return;
    this.watched.delete(signal);
    signal.removeEventListener('abort', w.listener);
  }

  /** Signals watched now (for tests). */
  get size(): number {
    return this.watched.size;
  }
}
