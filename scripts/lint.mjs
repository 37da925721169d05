// Every linter the quality bar names, in one command: tsc strict, prettier,
// clippy with warnings as errors, rustfmt, go vet, gofmt. Exits non-zero on any finding.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rust = join(root, 'native', 'rust');
const go = join(root, 'native', 'go');
/** What prettier formats: every TypeScript and JavaScript source of ours, and the dashboard page. */
const FORMATTED = ['src/**/*.{ts,js,html}', 'test/**/*.{ts,mjs,js}', 'bench/**/*.mjs', 'scripts/**/*.mjs', 'examples/**/*.{mjs,ts,js}'];
let failed = false;
function check(what, cmd, args, cwd = root, mustBeEmpty = false) {
  try {
    const out = execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (mustBeEmpty && out.trim()) throw new Error(`unformatted files:\n${out}`);
    process.stdout.write(`lint: ${what} ok\n`);
  } catch (e) {
    failed = true;
    process.stdout.write(`lint: ${what} FAILED\n${e.stdout ?? ''}${e.message}\n`);
  }
}
check('tsc --noEmit (strict)', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
// The TypeScript and JavaScript formatter (.prettierrc.json, .prettierignore); `npm run format` applies it.
check('prettier --check', process.execPath, [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', ...FORMATTED]);
check('cargo clippy -D warnings', 'cargo', ['clippy', '--release', '--locked', '--all-targets', '--', '-D', 'warnings'], rust);
check('cargo fmt --check', 'cargo', ['fmt', '--check'], rust);
check('go vet', 'go', ['vet', './...'], go);
check('gofmt -l', 'gofmt', ['-l', '.'], go, true);
process.exit(failed ? 1 : 0);
