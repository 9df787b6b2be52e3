import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { deepMerge, loadStudyConfig, parseStudyConfig, scaleNames } from '../../src/study/config.js';
import { createStudy, studySpace } from '../../src/study/create.js';
import { parseDuration } from '../../src/study/duration.js';
import { resolveObjective } from '../../src/study/registry.js';
import { UserError } from '../../src/util/errors.js';

const base = { name: 'demo', objective: 'gramacy', budget: { evaluations: 20 } };
const dir = mkdtempSync(join(tmpdir(), 'spikeopt-config-'));

function fails(config: Record<string, unknown>, pattern: RegExp): void {
  assert.throws(
    () => parseStudyConfig(config, 'study.yaml', dir),
    (err: Error) => {
      assert.ok(err instanceof UserError, `a UserError, got ${err}`);
      assert.match(err.message, pattern);
      assert.match(err.message, /^Study config study\.yaml: /);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('a minimal config gets every default, with paths and durations normalised', () => {
  const c = parseStudyConfig(base, 'study.yaml', dir);
  assert.deepEqual(c.objective, { kind: 'registered', name: 'gramacy' });
  assert.equal(c.seed, 0);
  assert.deepEqual(c.optimizer, { name: 'scbo', preset: 'default', batchSize: 4, initialSize: null, settings: {}, constraintCount: null });
  assert.deepEqual(c.budget, { evaluations: 20, wallSeconds: null, workerHours: null });
  assert.equal(c.execution.mode, 'local');
  assert.equal(c.execution.workers, availableParallelism());
  assert.equal(c.execution.refillThreshold, 1);
  assert.equal(c.execution.maxAttempts, 3);
  assert.equal(c.execution.onBudget, 'wait');
  assert.equal(c.storage.dir, resolve('studies', 'demo'), 'by default in the current folder');
  const d = parseStudyConfig(
    { ...base, budget: { wallTime: '1.5h' }, execution: { trialTimeout: '90s', heartbeat: 2, mode: 'distributed', broker: 'redis://127.0.0.1:6379' }, storage: { path: 'here' } },
    'study.yaml',
    dir,
  );
  assert.equal(d.budget.wallSeconds, 5400);
  assert.equal(d.execution.trialTimeoutSeconds, 90);
  assert.equal(d.execution.heartbeatSeconds, 2);
  assert.equal(d.storage.dir, join(dir, 'here'));
});

test('durations: seconds, or a number with ms, s, m, h or d', () => {
  assert.equal(parseDuration('500ms'), 0.5);
  assert.equal(parseDuration('30m'), 1800);
  assert.equal(parseDuration('2h'), 7200);
  assert.equal(parseDuration('1d'), 86400);
  assert.equal(parseDuration(42), 42);
  assert.equal(parseDuration('2 hours'), null);
  assert.equal(parseDuration('0s'), null);
  assert.equal(parseDuration(-1), null);
});

test('each mistake is one sentence naming the field', () => {
  fails({ ...base, budget: {} }, /budget: give at least one of evaluations, wallTime or workerHours/);
  fails({ ...base, budget: { evaluations: -3 } }, /budget\.evaluations/);
  fails({ ...base, budget: { wallTime: 'soon' } }, /budget\.wallTime: 'soon' is not a positive duration/);
  fails({ ...base, extra: 1 }, /study.yaml: unknown field 'extra'/);
  fails({ ...base, name: 'has space' }, /name: must be 1 to 100 letters/);
  fails({ ...base, objective: 'nope' }, /objective: Unknown objective 'nope'; expected a module file or one of .*ackley10c/);
  fails({ ...base, objective: './missing.mjs' }, /objective: Objective module \.\/missing\.mjs does not exist/);
  fails({ ...base, optimizer: { settings: { lengthInit: 0.8, tau: 3 } } }, /optimizer\.settings: unknown SCBO setting 'tau'/);
  fails({ ...base, optimizer: { settings: { batchSize: 3 } } }, /write optimizer\.batchSize instead/);
  fails({ ...base, optimizer: { settings: { lengthMin: 2 } } }, /optimizer\.settings: SCBO lengths must satisfy/);
  fails({ ...base, optimizer: { name: 'random', settings: { candidates: 10 } } }, /apply to scbo only/);
  fails({ ...base, execution: { mode: 'distributed' } }, /execution\.broker: a distributed study needs a broker URL/);
  fails({ ...base, execution: { broker: 'redis://x' } }, /only used with execution\.mode: distributed/);
  fails({ ...base, execution: { workers: 0 } }, /execution\.workers/);
});

test('options of a registered objective are checked when the objective is built', async () => {
  const c = parseStudyConfig({ ...base, objective: { name: 'busy', options: { repeat: 'lots' } } }, 'study.yaml', dir);
  await assert.rejects(() => resolveObjective(c.objective), /Objective busy: option repeat/);
});

test('a YAML file that does not parse, or is not a mapping, is one sentence naming the file', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: [unclosed\n');
  assert.throws(() => loadStudyConfig(bad), /^UserError: Study config .*bad\.yaml is not valid YAML/);
  writeFileSync(bad, '- a\n- b\n');
  assert.throws(() => loadStudyConfig(bad), /must be a YAML mapping/);
  assert.throws(() => loadStudyConfig(join(dir, 'absent.yaml')), /could not be read: it does not exist/);
});

test('a study space must name exactly the objective\'s parameters', async () => {
  const objective = await resolveObjective({ kind: 'registered', name: 'gramacy' });
  const c = parseStudyConfig({ ...base, space: [{ name: 'x0', type: 'float', low: 0, high: 0.5 }, { name: 'x1', type: 'float', low: 0, high: 1 }] }, 'study.yaml', dir);
  assert.deepEqual(studySpace(c, objective, 'study.yaml').names, ['x0', 'x1']);
  const wrong = parseStudyConfig({ ...base, space: [{ name: 'x0', type: 'float', low: 0, high: 1 }, { name: 'y', type: 'float', low: 0, high: 1 }] }, 'study.yaml', dir);
  assert.throws(() => studySpace(wrong, objective, 'study.yaml'), /space lacks 'x1' and has 'y' that the objective does not take/);
});

test('creating a study fixes the initial design size and refuses to overwrite an existing study', async () => {
  const c = parseStudyConfig({ ...base, storage: { path: 'created' } }, 'study.yaml', dir);
  const store = await createStudy(c, 'text', 'study.yaml');
  const stored = store.study();
  assert.equal((stored.config as { optimizer: { initialSize: number } }).optimizer.initialSize, 4, 'max(2 · 2 dimensions, batch 4)');
  assert.equal(stored.constraintCount, 2);
  assert.equal(stored.direction, 'minimize');
  assert.match(stored.id, /^demo-[0-9a-f]{8}$/);
  store.close();
  await assert.rejects(() => createStudy(c, 'text', 'study.yaml'), /A study already exists at .*created; continue it with spikeopt resume/);
});

test('every example config parses', () => {
  const examples = resolve('examples');
  const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const { config } = loadStudyConfig(join(examples, f));
    assert.equal(typeof config.name, 'string', f);
  }
});

test('scales: --scale NAME deep-merges scales.NAME (mappings merge, lists and values replace), stored with the study', async () => {
  const file = join(dir, 'scaled.yaml');
  writeFileSync(
    file,
    [
      'name: scaled',
      'objective: { name: busy, options: { repeat: 1000 } }',
      'optimizer: { batchSize: 8, initialSize: 16, settings: { candidates: 3000, failureTolerance: 2 } }',
      'budget: { evaluations: 800, wallTime: 10h }',
      'space: [{ name: x0, type: float, low: 0, high: 1 }]',
      'storage: { path: studies/scaled }',
      'scales:',
      '  small:',
      '    name: scaled-small',
      '    objective: { options: { repeat: 10 } }',
      '    optimizer: { batchSize: 2, settings: { candidates: 500 } }',
      '    budget: { evaluations: 6 }',
      '    space: [{ name: x1, type: float, low: 0, high: 2 }]',
      '    storage: { path: studies/scaled-small }',
      '  tiny: { budget: { evaluations: 1 } }',
    ].join('\n'),
  );
  const full = loadStudyConfig(file).config;
  assert.equal(full.scale, null, 'without --scale the scales map is ignored');
  assert.equal(full.budget.evaluations, 800);
  assert.equal(full.name, 'scaled');
  const small = loadStudyConfig(file, 'small').config;
  assert.equal(small.scale, 'small');
  assert.equal(small.name, 'scaled-small');
  assert.deepEqual(small.objective, { kind: 'registered', name: 'busy', options: { repeat: 10 } });
  assert.equal(small.optimizer.batchSize, 2);
  assert.equal(small.optimizer.initialSize, 16, 'kept from the base');
  assert.deepEqual(small.optimizer.settings, { candidates: 500, failureTolerance: 2 }, 'nested mappings merge key by key');
  assert.deepEqual(small.budget, { evaluations: 6, wallSeconds: 36000, workerHours: null });
  assert.deepEqual(small.space, [{ name: 'x1', type: 'float', low: 0, high: 2 }], 'lists replace');
  assert.equal(small.storage.dir, join(dir, 'studies', 'scaled-small'));

  assert.throws(() => loadStudyConfig(file, 'huge'), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, `Study config ${file} has no scale 'huge' (available: small, tiny).`);
    return true;
  });
  const plain = join(dir, 'plain.yaml');
  writeFileSync(plain, 'name: plain\nobjective: gramacy\nbudget: { evaluations: 5 }\n');
  assert.throws(() => loadStudyConfig(plain, 'small'), /has no scale 'small' \(it defines no scales\)/);
  assert.throws(() => parseStudyConfig({ ...base, scales: [1] }, 'study.yaml', dir), /scales: must be a mapping/);
  assert.throws(() => parseStudyConfig({ ...base, scales: { small: 3 } }, 'study.yaml', dir), /scales\.small: must be a mapping/);
  // A mistake introduced by the override names the scale.
  assert.throws(
    () => parseStudyConfig({ ...base, scales: { small: { budget: { evaluations: -1 } } } }, 'study.yaml', dir, 'small'),
    /Study config study\.yaml \(scale small\): budget\.evaluations: must be a positive integer\.$/,
  );

  // The merged config (with its scale) is what the study stores, so resume runs it the same way.
  const tiny = parseStudyConfig({ ...base, storage: { path: 'tiny' }, scales: { tiny: { budget: { evaluations: 3 } } } }, 'study.yaml', dir, 'tiny');
  const store = await createStudy(tiny, 'text', 'study.yaml');
  const stored = store.study().config as { scale: string; budget: { evaluations: number } };
  assert.equal(stored.scale, 'tiny');
  assert.equal(stored.budget.evaluations, 3);
  store.close();
});

test('deepMerge: mappings recursively, everything else replaced, inputs untouched', () => {
  const a = { x: { y: 1, z: [1, 2] }, k: 'a' };
  const b = { x: { z: [3], w: null }, k: { n: 1 } };
  assert.deepEqual(deepMerge(a, b), { x: { y: 1, z: [3], w: null }, k: { n: 1 } });
  assert.deepEqual(a, { x: { y: 1, z: [1, 2] }, k: 'a' });
  assert.equal(deepMerge({ a: 1 }, 5), 5);
});

test('every experiments/ config parses at every scale', () => {
  const folder = resolve('experiments');
  const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const path = join(folder, f);
    assert.equal(loadStudyConfig(path).config.scale, null, f);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^#/, `${f} starts with a comment block`);
    const scales = scaleNames(parseYaml(text));
    assert.ok(scales.includes('small'), `${f} has a small scale`);
    for (const s of scales) assert.equal(loadStudyConfig(path, s).config.scale, s, `${f} --scale ${s}`);
  }
});
