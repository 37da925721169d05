// Behaviour of the Go shim against the test stub (build-stub.sh first).
// Each case runs in its own process: the library loads once per process.
//   node --test native/shim/test/shim.test.mjs   (builds the stubs if missing)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const stubDir = path.resolve(here, '../../../build/test-stub');
const stub = (name) => path.join(stubDir, name);

// build/ is wiped by `node-gyp rebuild`: rebuild the stubs when missing.
before(() => {
  if (!existsSync(stub('libcrossfair_stub_nosym.so'))) execFileSync(path.join(here, 'build-stub.sh'));
});

function scenario(name, lib, extra, nodeArgs = []) {
  const args = [...nodeArgs, path.join(here, 'fixtures/scenario.mjs'), name, lib];
  if (extra !== undefined) args.push(extra);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { status: r.status, signal: r.signal, stderr: r.stderr, result: line && JSON.parse(line.slice(7)) };
}

function assertCleanExit(r) {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
}

test('ABI version mismatch is E_ABI_MISMATCH, and sticky', () => {
  const r = scenario('load-twice', stub('libcrossfair_stub_abi2.so'), stub('libcrossfair_stub.so'));
  assertCleanExit(r);
  assert.match(r.result.first.message, /^E_ABI_MISMATCH: library ABI 2, expected 1$/);
  assert.deepEqual(r.result.again, r.result.first);
  assert.match(r.result.retry.message, /^E_BAD_OPTIONS: Go library already loaded from .*abi2\.so$/);
});

test('a missing symbol is E_ABI_MISMATCH naming it', () => {
  const r = scenario('load-twice', stub('libcrossfair_stub_nosym.so'));
  assertCleanExit(r);
  assert.equal(r.result.first.message, 'E_ABI_MISMATCH: missing symbol cf_bench_native');
  assert.equal(r.result.first.code, 'E_ABI_MISMATCH');
});

test('a failed dlopen is E_POOL_UNAVAILABLE and may be retried', () => {
  const r = scenario('load-twice', '/nonexistent/libcrossfair.so', stub('libcrossfair_stub.so'));
  assertCleanExit(r);
  assert.match(r.result.first.message, /^E_POOL_UNAVAILABLE: \/nonexistent\/libcrossfair\.so: No such file/);
  assert.equal(r.result.retry, null);
});

test('dlopen of a non-library reports dlerror', () => {
  const r = scenario('load-twice', path.join(here, 'stub_pool.c'));
  assertCleanExit(r);
  assert.match(r.result.first.message, /^E_POOL_UNAVAILABLE: .*stub_pool\.c: invalid ELF header/);
});

const goLib = path.resolve(here, '../../build/libcrossfair_go.so');
const libs = [['stub', stub('libcrossfair_stub.so')]];
if (existsSync(goLib)) libs.push(['go', goLib]);
else test('real Go library (native/build/libcrossfair_go.so)', { skip: 'not built' }, () => {});

for (const [label, lib] of libs) {
  test(`[${label}] close while a task runs; exit is clean`, () => {
    const r = scenario('busy-close', lib);
    assertCleanExit(r);
    // The stub's task ignores shutdown (close times out, memory is pinned);
    // the real library's sleep ends ABORTED within the timeout.
    const busy = label === 'stub' ? 1 : 0;
    assert.equal(r.result.busy, busy);
    assert.equal(r.result.again, busy, 'second close returns the first result');
    assert.equal(r.result.stats.code, 'E_CLOSED');
  });

  test(`[${label}] 20k tasks through the wake path`, () => {
    const r = scenario('stress', lib, '20000');
    assertCleanExit(r);
    assert.deepEqual(r.result, { done: 20000, busy: 0 });
  });

  test(`[${label}] process.exit with tasks in flight does not crash`, () => {
    const r = scenario('exit-in-flight', lib);
    assertCleanExit(r);
    assert.deepEqual(r.result, { exiting: true });
  });

  test(`[${label}] a pool collected without close() is closed by its finalizer`, () => {
    const r = scenario('gc-unclosed', lib, undefined, ['--expose-gc']);
    assertCleanExit(r);
    assert.deepEqual(r.result.finalized, ['pool']);
  });

  test(`[${label}] SIGINT handler runs while the library is busy`, () => {
    const r = scenario('sigint', lib);
    assertCleanExit(r);
    assert.deepEqual(r.result, { sigint: true, busy: label === 'stub' ? 1 : 0 });
  });

  for (const how of ['terminate', 'exit']) {
    test(`[${label}] worker thread ${how} with open pools: cleanup hooks close them`, () => {
      const r = scenario('worker-teardown', lib, how);
      assertCleanExit(r);
      assert.equal(r.result.status, 0);
      assert.equal(r.result.busy, 0);
      assert.equal(r.result.path, lib);
    });
  }
}
