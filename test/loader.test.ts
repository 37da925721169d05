// The loader collects every failed candidate into one message, and keeps
// the Go library to one resolved path per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CrossfairError } from '../src/index.js';
import { goLibraryPath, loadFirstOf, root } from '../src/native/loader.js';

test('every failed candidate is named in one E_POOL_UNAVAILABLE', () => {
  const notAddon = join(root, 'test', 'fixtures', 'not-an-addon.node');
  assert.throws(
    () => loadFirstOf('test addon', ['/nonexistent/x.node', 'relative.node', notAddon], () => undefined),
    (e: CrossfairError) => {
      assert.equal(e.code, 'E_POOL_UNAVAILABLE');
      assert.match(e.message, /\/nonexistent\/x.node: not found/);
      assert.match(e.message, /relative.node: not an absolute path/);
      assert.match(e.message, /not-an-addon.node: .*(invalid ELF|too short|file)/);
      return true;
    },
  );
});

test('the Go library path is fixed once per process', () => {
  const first = goLibraryPath();
  assert.ok(first.startsWith('/'));
  assert.equal(goLibraryPath(first), first);
  assert.throws(
    () => goLibraryPath('/nonexistent/libx.so'),
    (e: CrossfairError) => e.code === 'E_POOL_UNAVAILABLE',
  );
  assert.throws(
    () => goLibraryPath(join(root, 'test', 'fixtures', 'not-an-addon.node')),
    (e: CrossfairError) => e.code === 'E_BAD_OPTIONS' && /one Go runtime per process/.test(e.message),
  );
  assert.throws(
    () => goLibraryPath('lib.so'),
    (e: CrossfairError) => e.code === 'E_BAD_OPTIONS',
  );
});
