// The whole test suite, in the order that fails fastest: compile, lint, the
// native tests (cargo test, go test with a short fuzz run), then the TS tests
// (node --test) over the built addons. Ends with one summary line,
// "tests: N passed, N failed", counting every runner.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const results = [];
/** Seconds of `go test -fuzz` per target in this run; locally run longer (docs/TESTING.md). */
const FUZZ_SECONDS = process.env.CROSSFAIR_FUZZ_SECONDS ?? '10';

// Every ledger move checks the task-state sums (src/scheduler/ledger.ts) while tests run.
const env = { ...process.env, CROSSFAIR_CHECK_INVARIANTS: '1' };

function run(name, cmd, args, cwd, parse) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const counts = parse ? parse(r.stdout + r.stderr) : { passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1 };
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  results.push({ name, ...counts, status: r.status });
}

const cargo = (out) => {
  let passed = 0,
    failed = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += +m[1];
    failed += +m[2];
  }
  return { passed, failed };
};
const gotest = (out) => ({ passed: (out.match(/^\s*--- PASS/gm) ?? []).length, failed: (out.match(/^\s*--- FAIL/gm) ?? []).length });
const nodetest = (out) => ({ passed: +(out.match(/^ℹ pass (\d+)/m)?.[1] ?? 0), failed: +(out.match(/^ℹ fail (\d+)/m)?.[1] ?? 0) });

run('build', process.execPath, [join(root, 'scripts', 'build-ts.mjs')], root);
run('lint', process.execPath, [join(root, 'scripts', 'lint.mjs')], root);
run('cargo test', 'cargo', ['test', '--release', '--locked'], join(root, 'native', 'rust'), cargo);
run('go test', 'go', ['test', '-count=1', '-v', './...'], join(root, 'native', 'go'), gotest);
run('go fuzz', 'go', ['test', '-run=^$', '-fuzz=^FuzzDescriptor$', `-fuzztime=${FUZZ_SECONDS}s`, './pool/'], join(root, 'native', 'go'));
const files = readdirSync(join(root, 'dist-test', 'test'))
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => join('dist-test', 'test', f));
run('shim tests', process.execPath, ['--test', '--test-reporter=spec', join('native', 'shim', 'test', 'shim.test.mjs')], root, nodetest);
run(
  'shim SAB pointer test',
  process.execPath,
  ['--expose-gc', '--test', '--test-reporter=spec', join('native', 'shim', 'test', 'sab_pointer.test.mjs')],
  root,
  nodetest,
);
run('node --test', process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], root, nodetest);

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
process.stdout.write('\n');
for (const r of results) process.stdout.write(`  ${r.failed ? 'FAIL' : 'ok  '} ${r.name}: ${r.passed} passed, ${r.failed} failed\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || results.some((r) => r.status !== 0) ? 1 : 0);
