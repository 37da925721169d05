/**
 * Dashboard assets: the files the page is made of, found on disk once and
 * held in memory (about 60 KB in all) for as long as a dashboard serves.
 *
 * Where they come from:
 *   /         assets/index.html    the page       } in src/dashboard/assets/,
 *   /app.js   assets/app.js        its script     } copied by scripts/build-ts.mjs
 *                                                  } next to each compiled output
 *   /uplot.js   uplot/dist/uPlot.iife.min.js   } the `uplot` package (a dependency),
 *   /uplot.css  uplot/dist/uPlot.min.css       } resolved like any import of ours
 *
 * The compiled module sits in `<out>/dashboard/` (out = dist/esm, dist/cjs or
 * dist-test/src), so its assets are `<out>/dashboard/assets/`. `moduleDir`
 * (native/here.ts) names `<out>/native/` in both module formats; this module
 * goes through it rather than repeat the ESM/CommonJS split.
 *
 * Nothing here is fetched from a network: the page loads only these four
 * files and /stats.json from the server that served it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { moduleDir } from '../native/here.js';
import { packageRoot } from '../native/loader.js';

export interface Asset {
  type: string;
  body: Buffer;
}

export const ASSETS_DIR = join(moduleDir, '..', 'dashboard', 'assets');

const OWN: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
};

const UPLOT: Record<string, [file: string, type: string]> = {
  '/uplot.js': ['uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  '/uplot.css': ['uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
};

let cached: ReadonlyMap<string, Asset> | undefined;

/**
 * Every asset by URL path. Throws an Error naming the missing file when the
 * install is incomplete (assets not copied: run `npm run build:ts`; uplot not
 * installed: run `npm install`).
 */
export function loadAssets(): ReadonlyMap<string, Asset> {
  if (cached) return cached;
  const out = new Map<string, Asset>();
  const missing: string[] = [];
  const read = (url: string, path: () => string, type: string): void => {
    try {
      out.set(url, { type, body: readFileSync(path()) });
    } catch (e) {
      missing.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const [url, [file, type]] of Object.entries(OWN)) read(url, () => join(ASSETS_DIR, file), type);
  // Resolved from the package root, as Node resolves our own imports: a
  // hoisted node_modules above us is found too.
  const require = createRequire(join(packageRoot, 'package.json'));
  for (const [url, [spec, type]] of Object.entries(UPLOT)) read(url, () => require.resolve(spec), type);
  if (missing.length > 0) {
    throw new Error(`crossfair dashboard: assets missing (run \`npm run build:ts\` for the page, \`npm install\` for uplot):\n  ${missing.join('\n  ')}`);
  }
  cached = out;
  return out;
}
