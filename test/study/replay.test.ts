import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createOptimizer, type OptimizerOptions } from '../../src/optimize/create.js';
import type { Proposal } from '../../src/optimize/types.js';
import { OptimizerHost } from '../../src/execute/optimizer-host.js';
import { toObservation, toPending } from '../../src/execute/observations.js';
import { gramacy } from '../../src/problems/synthetic.js';
import { SearchSpace } from '../../src/space/space.js';
import { StudyStore } from '../../src/storage/study-store.js';
import { replaySteps } from '../../src/study/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-replay-'));
const space = SearchSpace.from(gramacy.space);
const options: OptimizerOptions = { seed: 11, batchSize: 3, initialSize: 4, constraintCount: 2, preset: 'default', scbo: { candidates: 200, features: 256 } };

/**
 * Drives an in-process SCBO the way the dispatcher does (results arrive out of order, the rest are pending),
 * journaling every call in a study store. Returns the store, the optimizer and the next call to make.
 */
function journaledRun(steps: number) {
  const store = StudyStore.create(join(dir, `s${Math.random()}`, 'study.sqlite'), {
    id: 'r',
    name: 'r',
    config: {},
    configSource: null,
    space: space.toJSON(),
    direction: 'minimize',
    objective: {},
    seed: 11,
    constraintCount: 2,
    spikeoptVersion: 'test',
  });
  const optimizer = createOptimizer('scbo', space, options);
  let unfinished: Proposal[] = [];
  const nextCall = () => {
    // The two most recent proposals finish first (out of order); the others stay pending.
    const done = unfinished.splice(-2, 2).reverse();
    for (const p of done) {
      const r = gramacy.evaluate(p.params);
      store.beginAttempt(p.id);
      store.recordResult(p.id, { status: 'complete', objective: r.objective, constraints: r.constraints!, feasible: r.constraints!.every((c) => c <= 0), metrics: null, error: null, seconds: 0 }, { attempt: 1, workerId: 'w', host: 'h', startedAt: null, finishedAt: new Date().toISOString() });
    }
    return { told: done.map((p) => p.id), pending: unfinished.map((p) => p.id) };
  };
  for (let k = 0; k < steps; k++) {
    const { told, pending } = k === 0 ? { told: [], pending: [] } : nextCall();
    const askCount = k === 0 ? options.initialSize : options.batchSize;
    optimizer.tell(told.map((id) => toObservation(store.trial(id)!, 'minimize')));
    const proposals = optimizer.ask(askCount, pending.map((id) => toPending(store.trial(id)!)));
    store.recordStep({
      told,
      askCount,
      pending,
      trials: proposals.map((p) => ({ id: p.id, params: p.params, u: Array.from(p.u), uEvaluated: Array.from(space.canonical(p.u)), seed: 0, info: { phase: p.info.phase, batchId: p.info.batchId, trustRegionLength: null, successCount: null, failureCount: null, restartCount: null, modelId: null } })),
      state: null,
      model: null,
      seconds: 0,
    });
    unfinished.push(...proposals);
  }
  return { store, optimizer, nextCall };
}

test('replaying the journal rebuilds the optimizer: the next call proposes exactly what the original would', async () => {
  const { store, optimizer, nextCall } = journaledRun(7);
  const phases = store.trials().map((t) => t.info.phase);
  assert.ok(phases.filter((p) => p === 'scbo').length >= 6, `several GP-driven calls replayed (${phases.join(',')})`);
  const { told, pending } = nextCall();
  const toldObs = told.map((id) => toObservation(store.trial(id)!, 'minimize'));
  const pendingPts = pending.map((id) => toPending(store.trial(id)!));
  optimizer.tell(toldObs);
  const expected = optimizer.ask(3, pendingPts);

  const host = new OptimizerHost({ name: 'scbo', options, space: space.toJSON() });
  try {
    const replay = await host.replay(replaySteps(store, 'minimize'), 1);
    assert.equal(replay.steps, 7);
    assert.equal(replay.divergedAt, null);
    const next = await host.step(toldObs, 3, pendingPts);
    assert.deepEqual(next.proposals.map((p) => p.id), expected.map((p) => p.id));
    assert.deepEqual(next.proposals.map((p) => Array.from(p.u)), expected.map((p) => Array.from(p.u)));
    assert.deepEqual(next.proposals.map((p) => p.info), expected.map((p) => p.info), 'same trust region, counters, restart count and model');
  } finally {
    await host.close();
    store.close();
  }
});

test('a journal that the optimizer no longer reproduces is reported at the first differing call', async () => {
  const { store } = journaledRun(4);
  const path = store.path;
  const third = store.steps()[2].proposed[0];
  store.close();
  const db = new Database(path);
  db.prepare('UPDATE trials SET u = ? WHERE id = ?').run(JSON.stringify([0.123456, 0.654321]), third);
  db.close();
  const reopened = StudyStore.open(path);
  const host = new OptimizerHost({ name: 'scbo', options, space: space.toJSON() });
  try {
    const replay = await host.replay(replaySteps(reopened, 'minimize'), 1);
    assert.equal(replay.divergedAt, 3);
  } finally {
    await host.close();
    reopened.close();
  }
});

test('an optimizer error reaches the caller as a rejected call, and the host stays usable', async () => {
  const host = new OptimizerHost({ name: 'scbo', options, space: space.toJSON() });
  try {
    await assert.rejects(() => host.step([{ id: 0, u: new Float64Array(5), objective: 1, constraints: [0, 0] }], 2, []), /optimizer: tell: observation 0 has 5 coordinates/);
    const ok = await host.step([], 2, []);
    assert.equal(ok.proposals.length, 2);
  } finally {
    await host.close();
  }
});
