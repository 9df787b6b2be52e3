import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trialSeed } from '../../src/execute/dispatcher.js';
import type { StudyStore } from '../../src/storage/study-store.js';
import { parseStudyConfig, type StudyConfig } from '../../src/study/config.js';
import { createStudy } from '../../src/study/create.js';
import { runStudy, storedConfig } from '../../src/study/runner.js';
import { amendConfig } from '../../src/cli/commands/resume.js';
import { FIXTURES, finalSnapshot, tempDir } from './helpers.js';

const root = tempDir('spikeopt-local-');

async function study(name: string, fields: Record<string, unknown>): Promise<StudyStore> {
  const config = parseStudyConfig({ name, storage: { path: join(root, name) }, ...fields }, `${name}.yaml`, root);
  return createStudy(config, null, name);
}

const module = (file: string) => join(FIXTURES, file);

test('a local study runs every trial once, under the flexible rule, with the seeds and metrics recorded', async () => {
  process.env.SLEEPY_MS = '30';
  const store = await study('flexible', {
    seed: 5,
    objective: module('sleepy.mjs'),
    optimizer: { name: 'random', batchSize: 4, initialSize: 4 },
    budget: { evaluations: 24 },
    execution: { workers: 2, refillThreshold: 1 },
  });
  const result = await runStudy(store, 'run');
  assert.equal(result.reason, 'finished');
  const trials = store.trials();
  assert.deepEqual(trials.map((t) => t.id), Array.from({ length: 24 }, (_, i) => i));
  assert.ok(trials.every((t) => t.state === 'complete' || t.state === 'stopped-early'));
  assert.deepEqual(trials.map((t) => t.finishedSeq).sort((a, b) => a! - b!), Array.from({ length: 24 }, (_, i) => i + 1));
  assert.ok(trials.every((t) => t.attempts === 1 && t.workerId?.startsWith('thread-')));
  for (const t of trials) {
    assert.equal(t.seed, trialSeed(5, t.id));
    assert.equal((t.metrics as { seed: number }).seed, t.seed, 'the objective received the stored seed');
    assert.deepEqual(t.spikeCounts, { hidden: Math.round(Number(t.params.x0) * 1000), output: Math.round(Number(t.params.x1) * 100) });
  }
  const steps = store.steps();
  const told = steps.flatMap((s) => s.told);
  assert.equal(new Set(told).size, told.length, 'no result is told twice');
  for (const s of steps.slice(1)) {
    // Pending = running (<= 2 workers) + queued (<= the threshold of 1) when the optimizer was called.
    assert.ok(s.pending.length <= 3, `step ${s.step} was called with ${s.pending.length} pending points`);
    assert.ok(s.told.length >= 1, 'every later call follows a result');
    assert.ok(s.told.every((id) => !s.pending.includes(id)));
  }
  assert.deepEqual(steps.map((s) => s.askCount), [4, ...steps.slice(1, -1).map(() => 4), steps.at(-1)!.askCount]);
  assert.equal(store.study().finishedAt !== null, true);
  assert.equal(store.sessions()[0].endReason, 'finished');
  assert.deepEqual(store.workers().map((w) => w.id), ['thread-1', 'thread-2']);
  store.close();
});

test('faults: a dead thread loses only its attempt (retried, failed after maxAttempts), a hang times out, a throw fails', async () => {
  const store = await study('faults', {
    seed: 0,
    objective: module('faulty.mjs'),
    optimizer: { name: 'random', batchSize: 6, initialSize: 6 },
    budget: { evaluations: 6 },
    execution: { workers: 2, maxAttempts: 2, trialTimeout: '0.5s' },
  });
  assert.equal((await runStudy(store, 'run')).reason, 'finished');
  const trials = store.trials();
  const expected: Record<string, { state: string; error: RegExp | null; attempts: string[] }> = {
    ok: { state: 'complete', error: null, attempts: ['complete'] },
    hang: { state: 'failed', error: /^timed out after 0\.5 s$/, attempts: ['timeout'] },
    'crash-first': { state: 'complete', error: null, attempts: ['lost', 'complete'] },
    crash: { state: 'failed', error: /^lost 2 times, the last time because thread thread-\d died: its thread exited with code 3$/, attempts: ['lost', 'lost'] },
    throw: { state: 'failed', error: /^evaluation \d+ threw on purpose$/, attempts: ['failed'] },
  };
  assert.deepEqual(new Set(trials.map((t) => t.params.mode)), new Set(Object.keys(expected)), 'every behaviour drawn');
  for (const t of trials) {
    const e = expected[t.params.mode as string];
    assert.equal(t.state, e.state, `trial ${t.id} (${t.params.mode})`);
    if (e.error) assert.match(t.error!, e.error);
    assert.deepEqual(store.attempts(t.id).map((a) => a.outcome), e.attempts, `attempts of trial ${t.id} (${t.params.mode})`);
  }
  store.close();
});

test('an interrupted master puts running trials back in the queue; resume finishes without changing any result', async () => {
  process.env.SLEEPY_MS = '150';
  const store = await study('interrupt', {
    seed: 9,
    objective: module('sleepy.mjs'),
    optimizer: { name: 'scbo', batchSize: 3, initialSize: 4, settings: { candidates: 200, features: 256 } },
    budget: { evaluations: 16 },
    execution: { workers: 2 },
  });
  const controller = new AbortController();
  let results = 0;
  const first = await runStudy(store, 'run', { onEvent: (e) => e.type === 'result' && ++results === 6 && controller.abort() }, controller.signal);
  assert.equal(first.reason, 'interrupted');
  const before = finalSnapshot(store.trials());
  assert.ok(before.size >= 6);
  const cancelled = store.attempts().filter((a) => a.outcome === 'cancelled');
  assert.ok(cancelled.length >= 1, 'the trials running at the interrupt were cancelled');
  assert.equal(store.countsByState().running, 0);
  const second = await runStudy(store, 'resume');
  assert.equal(second.reason, 'finished');
  const after = finalSnapshot(store.trials());
  for (const [id, record] of before) assert.equal(after.get(id), record, `trial ${id} kept its result`);
  assert.equal(store.trialCount(), 16);
  assert.equal(after.size, 16);
  for (const c of cancelled) assert.equal(store.trial(c.trialId)!.attempts, c.attempt + 1, 'a cancelled trial ran once more');
  assert.ok(store.events().some((e) => e.kind === 'replay' && /rebuilt the optimizer by replaying/.test(e.message)));
  assert.equal((await runStudy(store, 'resume')).reason, 'nothing-to-do');
  store.close();
});

test('a wall-time budget: no trial starts after it, nothing is left running; resuming with a larger budget goes on', async () => {
  process.env.SLEEPY_MS = '100';
  const store = await study('walltime', {
    objective: module('sleepy.mjs'),
    optimizer: { name: 'random', batchSize: 4, initialSize: 4 },
    budget: { wallTime: '2.5s' },
    execution: { workers: 2, heartbeat: '0.2s' },
  });
  const first = await runStudy(store, 'run');
  assert.equal(first.reason, 'budget');
  assert.equal(store.countsByState().running, 0);
  const deadline = Date.parse(store.sessions()[0].startedAt) + 2500;
  for (const a of store.attempts()) assert.ok(Date.parse(a.dispatchedAt) <= deadline + 50, `trial ${a.trialId} started ${Date.parse(a.dispatchedAt) - deadline} ms after the budget ran out`);
  assert.ok(store.events().some((e) => e.kind === 'budget' && e.message === 'the wall-time budget is spent'));
  const done = store.countsByState().complete + store.countsByState()['stopped-early'];
  assert.equal((await runStudy(store, 'resume')).reason, 'nothing-to-do');

  const { config } = amendConfig(storedConfig(store), { wallTime: 600 });
  store.updateConfig(config, 'test: more time');
  assert.equal((storedConfig(store) as StudyConfig).budget.wallSeconds, 600);
  const controller = new AbortController();
  let results = 0;
  const second = await runStudy(store, 'resume', { onEvent: (e) => e.type === 'result' && ++results === 3 && controller.abort() }, controller.signal);
  assert.equal(second.reason, 'interrupted');
  assert.ok(store.countsByState().complete + store.countsByState()['stopped-early'] >= done + 3);
  store.close();
});
