import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, finalSnapshot, killChildren, readTrials, spawnCli, tempDir, waitFor, withStore, writeStudy } from './helpers.js';

after(killChildren);

test('kill -9 of a local master, twice: resume finishes the study, every completed trial kept as it was', async () => {
  const dir = tempDir('spikeopt-resume-');
  const file = writeStudy(dir, {
    name: 'killed',
    seed: 21,
    objective: join(FIXTURES, 'sleepy.mjs'),
    optimizer: { name: 'scbo', batchSize: 3, initialSize: 4, settings: { candidates: 200, features: 256 } },
    budget: { evaluations: 18 },
    execution: { mode: 'local', workers: 2, heartbeat: '0.5s', maxAttempts: 3 },
  });
  const db = join(dir, 'studies', 'killed', 'study.sqlite');
  const env = { SLEEPY_MS: '120' };
  const finals = () => withStore(db, (s) => {
    const c = s.countsByState();
    return { final: c.complete + c['stopped-early'] + c.failed, running: c.running };
  });

  const snapshots: Map<number, string>[] = [];
  const runningAtKill: number[] = [];
  let master = spawnCli(['run', file], env);
  for (const target of [5, 10]) {
    await waitFor(async () => {
      if (master.child.exitCode !== null) throw new Error(`master exited early:\n${master.output()}`);
      try {
        const f = finals();
        return f.final >= target && f.running >= 1;
      } catch {
        return false; // the database does not exist yet
      }
    }, 60_000, `${target} final trials with some running`);
    master.child.kill('SIGKILL');
    assert.equal(await master.exited, 'SIGKILL');
    const trials = readTrials(db);
    snapshots.push(finalSnapshot(trials));
    runningAtKill.push(...trials.filter((t) => t.state === 'running').map((t) => t.id));
    // Resume by config file the first time, by study folder the second.
    master = spawnCli(['resume', target === 5 ? file : join(dir, 'studies', 'killed')], env);
  }
  const code = await master.exited;
  assert.equal(code, 0, master.output());
  assert.match(master.output(), /Study killed finished: 18 trials/);

  const trials = readTrials(db);
  assert.deepEqual(trials.map((t) => t.id), Array.from({ length: 18 }, (_, i) => i), 'the budget, each trial once');
  assert.ok(trials.every((t) => t.state === 'complete' || t.state === 'stopped-early'), 'nothing lost, nothing failed');
  const final = finalSnapshot(trials);
  for (const snapshot of snapshots) {
    for (const [id, record] of snapshot) assert.equal(final.get(id), record, `trial ${id} completed before a kill and kept its record`);
  }
  withStore(db, (store) => {
    for (const id of runningAtKill) {
      const outcomes = store.attempts(id).map((a) => a.outcome);
      assert.equal(outcomes[0], 'lost', `trial ${id} was running at a kill`);
      assert.equal(outcomes.at(-1), store.trial(id)!.state);
    }
    const sessions = store.sessions();
    assert.equal(sessions.length, 3);
    assert.deepEqual(sessions.map((s) => s.endReason), [
      'its master stopped without closing the study (crash or kill)',
      'its master stopped without closing the study (crash or kill)',
      'finished',
    ]);
    const replays = store.events(1000).filter((e) => e.kind === 'replay');
    assert.equal(replays.length, 2);
    for (const r of replays) assert.match(r.message, /^rebuilt the optimizer by replaying \d+ calls/);
    const told = store.steps().flatMap((s) => s.told);
    assert.equal(new Set(told).size, told.length, 'no result told twice across the restarts');
  });
});
