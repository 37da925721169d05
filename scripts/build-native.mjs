// Builds the native parts from source: the Rust napi addon, the Go c-shared
// library and the C++ shim. Run by `npm install` (the package's install
// script) and by `npm run build:native`. Needs cargo, go and a C++ compiler;
// Node's headers come from the installed Node (the network may not reach
// Node's download site), found next to the running node binary.
//
// Outputs (what src/native/loader.ts looks for):
//   native/build/crossfair_rust.node      Rust pool addon
//   native/build/libcrossfair_go.so       Go pool library (C ABI)
//   build/Release/crossfair_go_shim.node  C++ shim that loads the Go library
//
// Skipped when prebuilds/<platform>-<arch>/ holds all three artifacts, or
// with CROSSFAIR_SKIP_NATIVE=1.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'native', 'build');
if (process.env.CROSSFAIR_SKIP_NATIVE === '1') process.exit(0);
// A package that ships prebuilt binaries for this platform needs no compiler.
const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
if (['crossfair_rust.node', 'libcrossfair_go.so', 'crossfair_go_shim.node'].every((f) => existsSync(join(prebuilt, f)))) process.exit(0);
mkdirSync(out, { recursive: true });

function step(what, cmd, args, opts = {}) {
  const t0 = Date.now();
  process.stderr.write(`crossfair: building ${what}...\n`);
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });
  } catch (e) {
    process.stderr.write(`crossfair: building ${what} failed (${e.message}).\n`);
    process.exit(1);
  }
  process.stderr.write(`crossfair: ${what} built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const guess = dirname(dirname(process.execPath));
  if (existsSync(join(guess, 'include', 'node', 'node_api.h'))) return guess;
  process.stderr.write(`crossfair: no Node headers under ${guess}/include/node; set npm_config_nodedir\n`);
  process.exit(1);
}

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

if (want('rust')) {
  step('Rust pool addon', 'cargo', ['build', '--release', '--locked', '--manifest-path', join(root, 'native', 'rust', 'Cargo.toml')]);
  copyFileSync(join(root, 'native', 'rust', 'target', 'release', 'libcrossfair_rust.so'), join(out, 'crossfair_rust.node'));
}
if (want('go')) {
  step('Go pool library', 'go', ['build', '-trimpath', '-buildmode=c-shared', '-o', join(out, 'libcrossfair_go.so'), './cmd/libcrossfair'], {
    cwd: join(root, 'native', 'go'),
  });
}
if (want('shim')) {
  const gyp = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  step('Go shim (node-addon-api)', process.execPath, [gyp, 'rebuild', `--nodedir=${nodeDir()}`, '--jobs=2']);
}
