/**
 * Loader: finds each native artifact and loads it once, on the main thread.
 *
 * For each artifact the candidates are tried in order, and every failure is
 * kept so the final error names them all:
 *   1. an environment override (absolute path),
 *   2. the file built in this repository (`npm install` builds it),
 *   3. a prebuilt binary in `prebuilds/<platform>-<arch>/` of the package.
 *
 * Artifacts:
 *   rust addon  CROSSFAIR_RUST_ADDON  native/build/crossfair_rust.node
 *   go shim     CROSSFAIR_GO_SHIM     build/Release/crossfair_go_shim.node
 *   go library  CROSSFAIR_GO_LIB      native/build/libcrossfair_go.so
 *
 * The Go library is a c-shared library: one Go runtime per process, loaded
 * from one resolved absolute path, never unloaded (docs/NATIVE-RULES.md §1–2). Every
 * path that loads it (the shim, ffi-rs) goes through `goLibraryPath()`, which
 * resolves that path once.
 */
import { createRequire } from 'node:module';
import { existsSync, realpathSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { CrossfairError } from '../errors.js';
import { moduleDir } from './here.js';
import { CodedBackend, coded, type NativeBackend } from './backend.js';

/** ABI / layout version this build of the TS side speaks. */
export const ABI_VERSION = 1;

export const packageRoot = join(moduleDir, '..', '..', '..');
export const root = packageRoot;
const platformDir = `${process.platform}-${process.arch}`;
const requireNative = createRequire(join(packageRoot, 'package.json'));

export interface PoolClass {
  new (ctrl: Uint8Array, workers: number, onWake: () => void): NativeBackend;
}

export interface RustAddon {
  abiVersion(): number;
  kinds(): string;
  benchNative(n: number, batch: number, workers: number): number;
  RustPool: PoolClass;
}

export interface GoShim {
  load(absPath: string): { abiVersion: number; kinds: string; path: string };
  benchNative(n: number, batch: number, workers: number): number;
  GoPool: PoolClass;
}

function candidates(envVar: string, built: string, file: string): string[] {
  const list: string[] = [];
  const override = process.env[envVar];
  if (override) list.push(override);
  list.push(join(packageRoot, built), join(packageRoot, 'prebuilds', platformDir, file));
  return list;
}

export function loadFirstOf<M>(what: string, paths: string[], check: (m: M, path: string) => void): { module: M; path: string } {
  if (!isMainThread) {
    throw new CrossfairError('E_POOL_UNAVAILABLE', `${what} must be loaded on the main thread (docs/NATIVE-RULES.md §1, §8)`);
  }
  const failures: string[] = [];
  const causes: unknown[] = [];
  for (const path of paths) {
    if (!isAbsolute(path)) {
      failures.push(`${path}: not an absolute path`);
      continue;
    }
    if (!existsSync(path)) {
      failures.push(`${path}: not found`);
      continue;
    }
    try {
      const m = requireNative(path) as M;
      check(m, path);
      return { module: m, path };
    } catch (e) {
      if (e instanceof CrossfairError && e.code === 'E_ABI_MISMATCH') throw e;
      causes.push(e);
      failures.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new CrossfairError('E_POOL_UNAVAILABLE', `cannot load the ${what}; tried:\n  ${failures.join('\n  ')}\n(run \`npm install\` in the package to build it)`, { causes });
}

function checkAbi(what: string, version: number, path: string): void {
  if (version !== ABI_VERSION) {
    throw new CrossfairError('E_ABI_MISMATCH', `${what} at ${path} speaks ABI ${version}, this crossfair expects ${ABI_VERSION}`);
  }
}

let rust: RustAddon | undefined;
export function loadRustAddon(): RustAddon {
  rust ??= loadFirstOf<RustAddon>('Rust pool addon', candidates('CROSSFAIR_RUST_ADDON', 'native/build/crossfair_rust.node', 'crossfair_rust.node'), (m, path) =>
    checkAbi('Rust pool addon', m.abiVersion(), path),
  ).module;
  return rust;
}

let goShim: GoShim | undefined;
export function loadGoShim(): GoShim {
  goShim ??= loadFirstOf<GoShim>('Go shim addon', candidates('CROSSFAIR_GO_SHIM', 'build/Release/crossfair_go_shim.node', 'crossfair_go_shim.node'), (m) => {
    if (typeof m.load !== 'function' || typeof m.GoPool !== 'function') throw new Error('not the crossfair Go shim');
  }).module;
  return goShim;
}

let goLib: string | undefined;
/**
 * The one absolute, symlink-resolved path of the Go library. `requested`
 * (a pool's `library` option) must agree with it once it is fixed.
 */
export function goLibraryPath(requested?: string): string {
  if (requested !== undefined) {
    if (!isAbsolute(requested)) throw new CrossfairError('E_BAD_OPTIONS', `library must be an absolute path, got ${requested}`);
    if (!existsSync(requested)) throw new CrossfairError('E_POOL_UNAVAILABLE', `library not found: ${requested}`);
    const real = realpathSync(requested);
    if (goLib !== undefined && goLib !== real) {
      throw new CrossfairError('E_BAD_OPTIONS', `a Go library is already loaded from ${goLib}; one Go runtime per process (docs/NATIVE-RULES.md §1) forbids loading ${real}`);
    }
    goLib = real;
    return real;
  }
  if (goLib !== undefined) return goLib;
  const failures: string[] = [];
  for (const path of candidates('CROSSFAIR_GO_LIB', 'native/build/libcrossfair_go.so', 'libcrossfair_go.so')) {
    if (isAbsolute(path) && existsSync(path)) {
      goLib = realpathSync(path);
      return goLib;
    }
    failures.push(`${path}: ${isAbsolute(path) ? 'not found' : 'not an absolute path'}`);
  }
  throw new CrossfairError('E_POOL_UNAVAILABLE', `cannot find the Go pool library; tried:\n  ${failures.join('\n  ')}\n(run \`npm install\` in the package to build it)`);
}

let shimLoaded: { abiVersion: number; kinds: string; path: string } | undefined;
/** Loads the Go library through the shim (once) and returns its kinds. */
export function loadGoThroughShim(path: string): { shim: GoShim; kinds: string } {
  const shim = loadGoShim();
  if (!shimLoaded) {
    let info: { abiVersion: number; kinds: string; path: string };
    try {
      info = shim.load(path);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const code = /^E_ABI_MISMATCH/.test(msg) ? 'E_ABI_MISMATCH' : /^E_BAD_OPTIONS/.test(msg) ? 'E_BAD_OPTIONS' : 'E_POOL_UNAVAILABLE';
      throw new CrossfairError(code, msg.replace(/^E_[A-Z_]+: /, ''), { causes: [e] });
    }
    checkAbi('Go pool library', info.abiVersion, path);
    shimLoaded = info;
  }
  return { shim, kinds: shimLoaded.kinds };
}

/** Opens a pool of the Go shim over `ctrl`; what it throws, at open or later, is a CrossfairError. */
export function openShimPool(path: string, ctrl: Uint8Array, workers: number, onWake: () => void): NativeBackend {
  const { shim } = loadGoThroughShim(path);
  return new CodedBackend(coded(() => new shim.GoPool(ctrl, workers, onWake)));
}
