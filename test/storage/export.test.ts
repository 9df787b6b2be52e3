import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvLine } from './csv-reader.js';
import { csvField, flatten, PYTHON_SPELLING } from '../../src/storage/csv.js';
import { exportStudy } from '../../src/storage/export.js';
import { StudyStore } from '../../src/storage/study-store.js';
import type { NewTrial } from '../../src/storage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-export-'));

function trial(id: number, phase: string, length: number | null, modelId: number | null): NewTrial {
  return {
    id,
    params: { lr: 0.01 * (id + 1), decoder: id % 2 ? 'vote' : 'all', epochs: id + 1 },
    u: [id / 10, 0.5, 0.5],
    uEvaluated: [id / 10, 0.5, 0.5],
    seed: 7,
    info: { phase, batchId: 1, trustRegionLength: length, successCount: 0, failureCount: 0, restartCount: 0, modelId },
  };
}

/** A maximised study (accuracy) with a complete, a stopped-early and a failed trial, plus one still queued. */
function sampleStudy(): StudyStore {
  const store = StudyStore.create(join(dir, `s${Math.random()}`, 'study.sqlite'), {
    id: 'acc-1',
    name: 'acc',
    config: {},
    configSource: null,
    space: [
      { name: 'lr', type: 'float', low: 0.001, high: 1, log: true, sampler: 'loguniform' },
      { name: 'decoder', type: 'categorical', choices: ['all', 'vote'] },
      { name: 'epochs', type: 'int', low: 1, high: 5, log: false, sampler: 'uniform' },
    ],
    direction: 'maximize',
    objective: { kind: 'registered', name: 'x' },
    seed: 7,
    constraintCount: 2,
    spikeoptVersion: 'test',
  });
  store.beginSession('run');
  store.recordStep({ told: [], askCount: 4, pending: [], trials: [trial(0, 'init', 0.8, null), trial(1, 'scbo', 0.00625, 3), trial(2, 'add-init', 0.8, null), trial(3, 'scbo', 0.4, 3)], state: null, model: null, seconds: 0 });
  const finished = '2025-03-01T10:00:05.000Z';
  const by = { attempt: 1, workerId: 'w', host: 'h', startedAt: '2025-03-01T10:00:00.000Z', finishedAt: finished };
  for (const id of [1, 0, 2]) store.beginAttempt(id);
  store.recordResult(1, { status: 'complete', objective: 0.875, constraints: [-0.3, -0.1], feasible: true, metrics: { test: 0.875, train_time: 100.5, spikes: { c1: 12, c2: 0 } }, error: null, seconds: 5 }, by);
  store.recordResult(0, { status: 'complete', objective: 0.1, constraints: [0.01, -0.1], feasible: false, metrics: { test: 0.1, stopped: true, note: 'has, a "quote"\nand a line' }, error: null, seconds: 5 }, by);
  store.recordResult(2, { status: 'failed', objective: null, constraints: null, feasible: false, metrics: null, error: 'out of memory, "layer" d1', seconds: 5 }, by);
  return store;
}

test('CSV fields are quoted only when needed, with doubled quotes; Python spelling for the reference', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(null, PYTHON_SPELLING), 'None');
  assert.equal(csvField(true, PYTHON_SPELLING), 'True');
  assert.equal(csvField(false), 'false');
  assert.equal(csvField(1e-7), '1e-7');
  assert.deepEqual(flatten({ a: { b: 1, c: [2, 3] }, d: 'x' }, ''), { 'a.b': 1, 'a.c_0': 2, 'a.c_1': 3, d: 'x' });
});

test('our CSV has one row per trial with parameters, constraints, metrics and execution columns', () => {
  const store = sampleStudy();
  const rows = parseCsvLine(exportStudy(store, 'csv'));
  const header = rows[0];
  for (const c of ['id', 'state', 'objective', 'feasible', 'constraint_0', 'constraint_1', 'lr', 'decoder', 'epochs', 'attempts', 'worker_id', 'phase', 'trust_region_length', 'metrics.test', 'metrics.spikes.c1', 'metrics.note']) {
    assert.ok(header.includes(c), `column ${c}`);
  }
  assert.equal(rows.length, 1 + 4);
  const get = (r: string[], c: string) => r[header.indexOf(c)];
  const byId = new Map(rows.slice(1).map((r) => [get(r, 'id'), r]));
  assert.equal(get(byId.get('0')!, 'state'), 'stopped-early');
  assert.equal(get(byId.get('0')!, 'metrics.note'), 'has, a "quote"\nand a line', 'a field with commas, quotes and a line break survives');
  assert.equal(get(byId.get('1')!, 'metrics.spikes.c1'), '12');
  assert.equal(get(byId.get('2')!, 'error'), 'out of memory, "layer" d1');
  assert.equal(get(byId.get('3')!, 'state'), 'queued');
  assert.equal(get(byId.get('3')!, 'objective'), '');
  store.close();
});

test('reference CSV: hyperparameters, outputs, constraint_i, then exactly the reference\'s bookkeeping columns', () => {
  const store = sampleStudy();
  const rows = parseCsvLine(exportStudy(store, 'reference-csv', { lengthMin: 0.5 ** 7 }));
  const header = rows[0];
  const tail = ['objective', 'eval_time', 'start_time', 'end_time', 'start_date', 'end_date', 'iteration', 'algorithm', 'length', 'trestart', 'model'];
  assert.deepEqual(header.slice(0, 3), ['lr', 'decoder', 'epochs']);
  assert.deepEqual(header.slice(-tail.length), tail);
  assert.deepEqual(header.slice(-tail.length - 2, -tail.length), ['constraint_0', 'constraint_1']);
  assert.ok(header.includes('test') && header.includes('spikes.c1') && header.includes('stopped'));
  assert.equal(rows.length, 1 + 3, 'final trials only');
  const get = (r: string[], c: string) => r[header.indexOf(c)];
  const [first, second, third] = rows.slice(1);
  // In the order results arrived: 1, 0, 2.
  assert.equal(get(first, 'objective'), '-0.875', 'the loss Zellij minimised: minus the accuracy');
  assert.equal(get(first, 'algorithm'), 'SCBO');
  assert.equal(get(first, 'length'), '0.00625');
  assert.equal(get(first, 'trestart'), 'True', 'proposed with the region below its minimum: a restart was pending');
  assert.equal(get(first, 'model'), '3');
  assert.equal(get(first, 'eval_time'), '5');
  assert.equal(get(first, 'start_date'), '2025-03-01 10:00:00');
  assert.equal(get(first, 'end_date'), '2025-03-01 10:00:05');
  assert.equal(get(first, 'iteration'), '0');
  assert.equal(get(second, 'algorithm'), 'InitSCBO');
  assert.equal(get(second, 'length'), '1.0', 'random phases report length 1.0 as the reference does');
  assert.equal(get(second, 'trestart'), 'False');
  assert.equal(get(second, 'model'), '-1');
  assert.equal(get(second, 'stopped'), 'True');
  assert.equal(get(second, 'train_time'), 'None');
  assert.equal(get(third, 'algorithm'), 'AddInitSCBO');
  assert.equal(get(third, 'objective'), 'None');
  assert.equal(get(third, 'constraint_0'), 'None');
  store.close();
});

test('JSON export holds the study, every trial, attempts and the journal', () => {
  const store = sampleStudy();
  const doc = JSON.parse(exportStudy(store, 'json'));
  assert.equal(doc.study.id, 'acc-1');
  assert.equal(doc.trials.length, 4);
  assert.equal(doc.attempts.length, 3);
  assert.equal(doc.steps.length, 1);
  assert.deepEqual(doc.counts, { queued: 1, running: 0, complete: 1, 'stopped-early': 1, failed: 1 });
  store.close();
});

test('an unmeasured objective (Q15) is stored as NULL, read back as null, exported empty and never the best', async () => {
  const { toObservation } = await import('../../src/execute/observations.js');
  const { bestTrial } = await import('../../src/study/runner.js');
  const store = sampleStudy();
  const by = { attempt: 1, workerId: 'w', host: 'h', startedAt: '2025-03-01T10:00:06.000Z', finishedAt: '2025-03-01T10:00:07.000Z' };
  store.beginAttempt(3);
  store.recordResult(3, { status: 'complete', objective: null, constraints: [0.2, -0.1], feasible: false, metrics: { stopped: true, validated: false }, error: null, seconds: 1 }, by);
  const t = store.trial(3)!;
  assert.equal(t.state, 'stopped-early');
  assert.equal(t.objective, null);
  assert.deepEqual(t.constraints, [0.2, -0.1]);
  assert.equal(t.feasible, false);
  // The optimizer gets its constraints without an objective; a failed trial gets neither.
  const obs = toObservation(t, 'maximize');
  assert.equal(obs.objective, null);
  assert.deepEqual(obs.constraints, [0.2, -0.1]);
  assert.deepEqual([toObservation(store.trial(2)!, 'maximize').objective, toObservation(store.trial(2)!, 'maximize').constraints], [null, null]);
  assert.equal(bestTrial(store)?.id, 1);
  const records = (text: string) => {
    const [head, ...rest] = parseCsvLine(text);
    return rest.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
  };
  const csv = records(exportStudy(store, 'csv'));
  const row = csv.find((r) => r.id === '3')!;
  assert.equal(row.objective, '');
  assert.equal(row.constraint_0, '0.2');
  assert.equal(row.state, 'stopped-early');
  const ref = records(exportStudy(store, 'reference-csv'));
  assert.equal(ref.find((r) => r.validated === 'False')!.objective, 'None');
  const json = JSON.parse(exportStudy(store, 'json')) as { trials: { id: number; objective: number | null }[] };
  assert.equal(json.trials.find((x) => x.id === 3)!.objective, null);
  store.close();
});
