// Compiles src/ to ESM (dist/esm) and CommonJS (dist/cjs) with declarations,
// and the tests to dist-test/. `here.js` differs per format (see
// src/native/here.ts), so it is written here for each output; the
// dashboard's page (src/dashboard/assets/, not TypeScript) is copied beside
// each output's compiled dashboard/ (see src/dashboard/assets.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = (project) => {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit', cwd: root });
  } catch {
    process.exit(1);
  }
};

const esmHere =
  "import { dirname } from 'node:path';\nimport { fileURLToPath } from 'node:url';\nexport const moduleDir = dirname(fileURLToPath(import.meta.url));\n";
const cjsHere = "'use strict';\nObject.defineProperty(exports, '__esModule', { value: true });\nexports.moduleDir = __dirname;\n";

const targets = process.argv.includes('--tests') ? ['test'] : ['esm', 'cjs', 'test'];
for (const t of targets) {
  // A moved or deleted source must not leave its old output behind to be imported.
  rmSync(join(root, { esm: 'dist/esm', cjs: 'dist/cjs', test: 'dist-test' }[t]), { recursive: true, force: true });
  if (t === 'esm') run('tsconfig.build.json');
  if (t === 'cjs') run('tsconfig.cjs.json');
  if (t === 'test') run('tsconfig.test.json');
  const dir = { esm: 'dist/esm', cjs: 'dist/cjs', test: 'dist-test/src' }[t];
  mkdirSync(join(root, dir, 'native'), { recursive: true });
  writeFileSync(join(root, dir, 'native', 'here.js'), t === 'cjs' ? cjsHere : esmHere);
  if (t === 'cjs') writeFileSync(join(root, dir, 'package.json'), '{ "type": "commonjs" }\n');
  const assets = join(root, dir, 'dashboard', 'assets');
  cpSync(join(root, 'src', 'dashboard', 'assets'), assets, { recursive: true });
}
