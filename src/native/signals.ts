/**
 * Signal guard, installed before the Go runtime is loaded (docs/NATIVE-RULES.md §3).
 *
 * Go installs its handlers with SA_ONSTACK and expects any handler installed
 * after it to have that flag too; libuv's does not. So Node's own SIGINT and
 * SIGTERM handlers must exist before Go loads. A `process.on` listener makes
 * libuv install them; to keep Node's default behaviour (die by the signal)
 * when the user has no listener of their own, the guard then removes itself
 * and re-raises the signal, which finds the default disposition.
 *
 * Never listen for SIGURG, SIGSEGV, SIGBUS, SIGFPE or SIGPIPE here: Go owns them.
 */

const GUARDED = ['SIGINT', 'SIGTERM'] as const;
let installed = false;

function guard(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // the user handles it
  for (const s of GUARDED) process.removeListener(s, guard);
  process.kill(process.pid, signal);
}

export function installSignalGuard(): void {
  if (installed) return;
  installed = true;
  for (const s of GUARDED) process.on(s, guard);
}
