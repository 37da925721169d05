// Every reference in the repository resolves inside it or upstream: no
// citation of material a user or contributor does not have (internal
// planning documents, their rule numbers, tracker numbers of this project),
// and every `docs/*.md` path cited exists, with every `§N` of docs/NATIVE-RULES.md
// cited being one of its sections. docs/TESTING.md, "References".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { root } from './helpers.js';

const TEXT = new Set([
  '.ts',
  '.mts',
  '.cts',
  '.js',
  '.mjs',
  '.cjs',
  '.md',
  '.rs',
  '.go',
  '.c',
  '.cc',
  '.h',
  '.json',
  '.toml',
  '.gyp',
  '.yml',
  '.yaml',
  '.sh',
  '.html',
  '.css',
  '',
]);
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'dist-test', 'build', 'target', 'prebuilds', 'results']);

/** The repository's text files: what git tracks (and would add), else a walk that skips build output. */
function files(): string[] {
  let list: string[];
  try {
    list = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean);
  } catch {
    list = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(join(root, dir))) {
        const rel = dir ? `${dir}/${name}` : name;
        if (statSync(join(root, rel)).isDirectory()) {
          if (!SKIP_DIRS.has(name)) walk(rel);
        } else list.push(rel);
      }
    };
    walk('');
  }
  return list.filter((f) => TEXT.has(extname(f)) && !f.endsWith('package-lock.json') && existsSync(join(root, f)) && !/(^|\/)native\/build\//.test(f));
}

// Built from parts so that this file does not match itself.
const FORBIDDEN: [RegExp, string][] = [
  [new RegExp(['BOUNDARY', 'RULES'].join('-')), 'rule numbers of a document outside the repository: cite docs/NATIVE-RULES.md §N'],
  [new RegExp(['DESIGN', 'BRIEF'].join('-'), 'i'), 'a document outside the repository'],
  [new RegExp(`\\b${'sha' + 'red'}/`), 'a path outside the repository'],
  [new RegExp(`\\b${'STY' + 'LE'}(\\.md| rule)`), 'a document outside the repository'],
  [new RegExp(`\\b${'iss' + 'ues?'} #?\\d`, 'i'), "this project's tracker numbers: say what is asked in words"],
  [new RegExp(`\\b(the|design) ${'bri' + 'ef'}\\b|\\(${'bri' + 'ef'}[:)]`, 'i'), 'a document outside the repository'],
];

test('no file cites material outside the repository', () => {
  const found: string[] = [];
  const self = relative(root, join(root, 'test', 'references.test.ts'));
  const list = files();
  assert.ok(list.length > 50, `found ${list.length} files`);
  for (const f of list) {
    if (f === self) continue;
    const lines = readFileSync(join(root, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const [re, why] of FORBIDDEN) if (re.test(line)) found.push(`${f}:${i + 1}: ${why}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.deepEqual(found, []);
});

test('every docs/*.md path cited exists, and every docs/NATIVE-RULES.md §N is a section of it', () => {
  const rules = readFileSync(join(root, 'docs', 'NATIVE-RULES.md'), 'utf8');
  const sections = new Set([...rules.matchAll(/^### (\d+)\. /gm)].map((m) => Number(m[1])));
  assert.ok(sections.size >= 19, 'docs/NATIVE-RULES.md has its numbered sections');
  const missing: string[] = [];
  for (const f of files()) {
    const text = readFileSync(join(root, f), 'utf8');
    for (const m of text.matchAll(/\bdocs\/([A-Za-z0-9_.-]+\.md)/g)) {
      if (!existsSync(join(root, 'docs', m[1]!))) missing.push(`${f}: docs/${m[1]} does not exist`);
    }
    // "docs/NATIVE-RULES.md §1, §17" and "docs/NATIVE-RULES.md §1–2": every number cited after the path.
    for (const m of text.matchAll(/docs\/NATIVE-RULES\.md((?:[ ,]*(?:and )?§\d+(?:[–-]\d+)?)+)/g)) {
      for (const n of m[1]!.matchAll(/(\d+)/g)) if (!sections.has(Number(n[1]))) missing.push(`${f}: docs/NATIVE-RULES.md §${n[1]} is no section`);
    }
    // Relative links between the docs: [x](OTHER.md).
    if (f.startsWith('docs/')) {
      for (const m of text.matchAll(/\]\(([A-Za-z0-9_.-]+\.md)(#[^)]*)?\)/g)) {
        if (!existsSync(join(root, 'docs', m[1]!))) missing.push(`${f}: link to ${m[1]} does not resolve`);
      }
    }
  }
  assert.deepEqual(missing, []);
});
