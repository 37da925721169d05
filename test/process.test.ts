// Whole-process behaviour (docs/NATIVE-RULES.md §14): exit under load, SIGINT while
// Go is busy (with and without a user handler), a run under --cpu-prof, exit
// without close(), the CommonJS entry. Each runs in a child process and must
// end cleanly: the expected exit code or signal, and no runtime crash output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './helpers.js';
import { runChild, type Exit } from './child.js';

const CRASH = /fatal error|SIGSEGV|SIGABRT|panicked|goroutine \d+|Segmentation fault|core dumped|non-Go code set up signal handler/;
/** Upper bound on a child's life; a hang fails the test instead of the suite. */
const CHILD_DEADLINE_MS = 60_000;

function child(args: string[], onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Exit> {
  return runChild(args, { deadlineMs: CHILD_DEADLINE_MS, env: childEnv, ...(onLine ? { onLine } : {}) });
}

/** The environment children start with: ours without the Go variables crossfair sets, unless a test adds them. */
let childEnv: NodeJS.ProcessEnv = withoutGoEnv();
function withoutGoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['GOMAXPROCS', 'GOMEMLIMIT']) if (!(k in extra)) delete env[k];
  return env;
}

const fixture = (name: string): string => join(root, 'test', 'fixtures', name);

test('process.exit() while both runtimes are under load ends cleanly', async () => {
  const r = await child([fixture('load.mjs'), 'exit']);
  assert.match(r.stdout, /busy/);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, CRASH);
});

test('SIGINT while Go is busy, no user handler: the process dies by SIGINT, as Node would', async () => {
  const r = await child([fixture('load.mjs'), 'sigint-default'], (line, kill) => line === 'busy' && kill('SIGINT'));
  assert.equal(r.signal, 'SIGINT', `code ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, CRASH);
});

test('SIGINT while Go is busy, with a user handler: the handler runs and closes cleanly', async () => {
  const r = await child([fixture('load.mjs'), 'sigint-handled'], (line, kill) => line === 'busy' && kill('SIGINT'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /closed/);
  assert.doesNotMatch(r.stderr, CRASH);
});

test('SIGTERM while Go is busy: the process dies by SIGTERM', async () => {
  const r = await child([fixture('load.mjs'), 'sigterm'], (line, kill) => line === 'busy' && kill('SIGTERM'));
  assert.equal(r.signal, 'SIGTERM', `code ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, CRASH);
});

test('a run under node --cpu-prof ends cleanly and writes its profile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossfair-prof-'));
  try {
    const r = await child(['--cpu-prof', `--cpu-prof-dir=${dir}`, fixture('load.mjs'), 'profile']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /closed/);
    assert.doesNotMatch(r.stderr, CRASH);
    // One profile per thread: the main thread's, and one per piscina thread of the ffi pool.
    assert.ok(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).length >= 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without close(), the process exits once no task is in flight', async () => {
  const r = await child([fixture('idle-exit.mjs')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /done rust,go,go/);
  assert.doesNotMatch(r.stderr, CRASH);
});

test('regression: close() under a flood, then exit, does not abort (wake-up queued at teardown)', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await child([fixture('close-flood.mjs')]);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^closed 50000 = \d+ \+ \d+$/m);
    assert.doesNotMatch(r.stderr, /terminate called|Napi::Error/);
  }
});

test('the CommonJS entry point loads and runs', async () => {
  const r = await child([fixture('cjs-entry.cjs')]);
  assert.equal(r.code, 0, r.stderr);
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  assert.equal(r.stdout.trim(), `${abc} ${abc} true E_UNKNOWN_KIND`);
});

test('Go is loaded with GOMAXPROCS = its workers + 1 and the memory limit, unless the environment says otherwise', async () => {
  try {
    let r = await child([fixture('go-env.mjs')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'GOMAXPROCS=3 GOMEMLIMIT=1GiB ran on go');
    childEnv = withoutGoEnv({ GOMAXPROCS: '1', GOMEMLIMIT: '256MiB' });
    r = await child([fixture('go-env.mjs')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'GOMAXPROCS=1 GOMEMLIMIT=256MiB ran on go');
  } finally {
    childEnv = withoutGoEnv();
  }
});

test("regression: 'breaker' and 'health' listeners that throw surface as uncaught exceptions and leave every pool working", async () => {
  const r = await child([fixture('throwing-listener.mjs')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, CRASH);
  assert.doesNotMatch(r.stderr, /DEP0168/, 'no listener error is swallowed by a native callback');
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    thrown: string[];
    outcomes: Record<string, { faulty: string[]; healed: string }>;
    totals: { submitted: number; completed: number; failed: number; cancelled: number; queued: number; inFlight: number };
  };
  assert.ok(out.thrown.length > 0, 'listener errors reached uncaughtException');
  for (const m of out.thrown) assert.match(m, /^listener: (breaker|health) (rust|go|goffi) /);
  for (const pool of ['rust', 'go', 'goffi']) {
    assert.ok(
      out.thrown.some((m) => m.startsWith(`listener: breaker ${pool} open`)),
      `${pool}: its breaker opened`,
    );
    assert.equal(out.outcomes[pool]!.healed, 'ok', `${pool} serves again: ${JSON.stringify(out.outcomes[pool])}`);
  }
  const t = out.totals;
  assert.equal(t.queued + t.inFlight, 0);
  assert.equal(t.submitted, t.completed + t.failed + t.cancelled);
});
