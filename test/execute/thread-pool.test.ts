import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ThreadPool } from '../../src/execute/thread-pool.js';
import { OptimizerHost } from '../../src/execute/optimizer-host.js';
import { SearchSpace } from '../../src/space/space.js';
import { ackley10Constrained } from '../../src/problems/synthetic.js';
import { Rng } from '../../src/util/rng.js';
import { UserError } from '../../src/util/errors.js';
import { FIXTURES } from './helpers.js';

const task = (trialId: number, params: Record<string, number | string>) => ({ trialId, attempt: 1, seed: 5, params });

test('threads run trials side by side, time out a hung trial, report a dead thread as lost, and replace both', async () => {
  process.env.SLEEPY_MS = '300';
  const sleepy = new ThreadPool({ size: 2, objective: { kind: 'module', path: join(FIXTURES, 'sleepy.mjs') }, idPrefix: 't' });
  await sleepy.start();
  try {
    const t0 = Date.now();
    const a = sleepy.run(task(1, { x0: 0.3, x1: 0.7 }), null);
    const b = sleepy.run(task(2, { x0: 0.5, x1: 0.5 }), null);
    assert.equal(sleepy.idle, 0);
    assert.throws(() => sleepy.run(task(3, { x0: 0, x1: 0 }), null), /no idle thread/);
    const [ra, rb] = await Promise.all([a.result, b.result]);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 550, `two 300 ms trials in parallel took ${elapsed} ms`);
    assert.notEqual(a.threadId, b.threadId);
    assert.equal(ra.kind, 'result');
    assert.ok(ra.kind === 'result' && ra.outcome.status === 'complete' && ra.outcome.objective === 0);
    assert.ok(rb.kind === 'result' && (rb.outcome.metrics as { seed: number }).seed === 5, 'the trial context reaches evaluate');
    const bad = sleepy.run(task(4, { x0: 2, x1: 0 }), null);
    const rbad = await bad.result;
    assert.ok(rbad.kind === 'result' && rbad.outcome.status === 'failed' && /x0/.test(rbad.outcome.error ?? ''), 'parameters outside the space fail');
  } finally {
    await sleepy.close();
  }

  const faulty = new ThreadPool({ size: 1, objective: { kind: 'module', path: join(FIXTURES, 'faulty.mjs') }, idPrefix: 'f' });
  await faulty.start();
  try {
    const r = await faulty.run(task(1, { x: 0.9, mode: 'hang' }), 0.3).result;
    assert.equal(r.kind, 'timeout');
    await faulty.waitForIdle();
    const crashed = await faulty.run(task(2, { x: 0.5, mode: 'crash-first' }), null).result;
    assert.equal(crashed.kind, 'lost');
    assert.match(crashed.kind === 'lost' ? crashed.reason : '', /exited with code 3/);
    await faulty.waitForIdle();
    const again = await faulty.run({ ...task(2, { x: 0.5, mode: 'crash-first' }), attempt: 2 }, null).result;
    assert.ok(again.kind === 'result' && again.outcome.objective === 0.5, 'the replacement thread runs the next trial');
  } finally {
    await faulty.close();
  }
});

test('an objective that cannot load fails the pool start with one sentence', async () => {
  const pool = new ThreadPool({ size: 1, objective: { kind: 'module', path: join(FIXTURES, 'missing.mjs') }, idPrefix: 'm' });
  await assert.rejects(() => pool.start(), (err: Error) => err instanceof UserError && /could not be loaded in a worker thread/.test(err.message));
});

test('the optimizer fits its GPs off the main event loop: the loop keeps ticking through a long step', async () => {
  const space = SearchSpace.from(ackley10Constrained.space);
  const host = new OptimizerHost({
    name: 'scbo',
    space: space.toJSON(),
    options: { seed: 3, batchSize: 8, initialSize: 10, constraintCount: 2, scbo: { candidates: 8000 } },
  });
  try {
    const rng = new Rng(1);
    const told = Array.from({ length: 80 }, (_, id) => {
      const u = space.sampleUnit(rng);
      const r = ackley10Constrained.evaluate(space.decode(u));
      return { id, u, objective: -r.objective, constraints: r.constraints! };
    });
    await host.step([], 10, []);
    let last = performance.now();
    let maxGap = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const reply = await host.step(told, 8, []);
    const stepMs = performance.now() - t0;
    clearInterval(tick);
    assert.equal(reply.proposals[0].info.phase, 'scbo');
    assert.ok(stepMs > 150, `the step should be long enough to tell (took ${stepMs.toFixed(0)} ms)`);
    assert.ok(maxGap < stepMs / 3, `the event loop stalled ${maxGap.toFixed(0)} ms during a ${stepMs.toFixed(0)} ms step`);
  } finally {
    await host.close();
  }
});
