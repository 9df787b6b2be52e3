/** Shared helpers for the data-layer tests: temporary folders and error assertions. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { UserError } from '../../src/util/errors.js';

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'spikeopt-data-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Asserts that `fn` throws a UserError whose message contains every fragment (e.g. the file name). */
export function throwsUser(fn: () => unknown, ...fragments: Array<string | RegExp>): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(caught.message.includes(f), `message "${caught.message}" lacks "${f}"`);
    else assert.match(caught.message, f);
  }
  return caught.message;
}
