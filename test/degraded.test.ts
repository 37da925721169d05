// Graceful degradation at load: a Go library of the wrong ABI version or a
// missing one leaves the scheduler serving on the Rust pool with a warning,
// and the Go pool 'down'; with `required: true` createScheduler fails. Each
// case runs in a child process (one Go library per process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'crossfair-abi-'));
const badAbi = join(dir, 'libbadabi.so');
compileC(join(root, 'test', 'fixtures', 'bad-abi.c'), badAbi);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Builds a shared library with whichever C compiler the machine has (node-gyp's g++ at least). */
function compileC(src: string, out: string): void {
  const tries: [string, string[]][] = [
    [process.env.CC ?? 'cc', []],
    ['gcc', []],
    ['g++', ['-x', 'c']],
  ];
  const errors: string[] = [];
  for (const [cc, pre] of tries) {
    try {
      execFileSync(cc, [...pre, '-shared', '-fPIC', '-o', out, src], { stdio: 'pipe' });
      return;
    } catch (e) {
      errors.push(`${cc}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no C compiler could build ${src}:\n${errors.join('\n')}`);
}

function run(library: string, required: boolean): Record<string, unknown> {
  const r = spawnSync(process.execPath, [join(root, 'test', 'fixtures', 'degraded.mjs'), library, required ? 'required' : ''], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

test('a Go library of another ABI version: the scheduler serves on Rust, Go is down, a warning says why', () => {
  const out = run(badAbi, false);
  assert.equal(out.unpinned, 'rust');
  assert.equal(out.pinned, 'E_POOL_UNAVAILABLE');
  assert.equal(out.health, 'down');
  assert.equal((out.warnings as string[]).length, 1);
  assert.match((out.warnings as string[])[0]!, /pool go \(go\) is down.*speaks ABI 99, this crossfair expects 1/s);
});

test('the same library with required: true fails createScheduler with E_ABI_MISMATCH', () => {
  assert.deepEqual(run(badAbi, true), { created: 'E_ABI_MISMATCH', warnings: [] });
});

test('a missing Go library: served on Rust with a warning; required: E_POOL_UNAVAILABLE', () => {
  const missing = join(dir, 'no-such-lib.so');
  const out = run(missing, false);
  assert.equal(out.unpinned, 'rust');
  assert.equal(out.health, 'down');
  assert.match((out.warnings as string[])[0]!, /library not found/);
  assert.equal(run(missing, true).created, 'E_POOL_UNAVAILABLE');
});
