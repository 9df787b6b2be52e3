import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, resolveStudyPath } from '../../src/storage/database.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION, type Migration } from '../../src/storage/migrations.js';
import { StudyStore, type StudyInit } from '../../src/storage/study-store.js';
import type { NewTrial, TrialResult } from '../../src/storage/types.js';
import { UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-store-'));
let n = 0;

function init(overrides: Partial<StudyInit> = {}): StudyInit {
  return {
    id: 'study-1',
    name: 'study',
    config: { budget: 10 },
    configSource: 'name: study\n',
    space: [{ name: 'x', type: 'float', low: 0, high: 1 }],
    direction: 'minimize',
    objective: { kind: 'registered', name: 'noop' },
    seed: 1,
    constraintCount: null,
    spikeoptVersion: 'test',
    ...overrides,
  };
}

function freshStore(overrides: Partial<StudyInit> = {}): StudyStore {
  return StudyStore.create(join(dir, `s${n++}`, 'study.sqlite'), init(overrides));
}

function trial(id: number, phase = 'init'): NewTrial {
  return {
    id,
    params: { x: id / 10 },
    u: [id / 10],
    uEvaluated: [id / 10],
    seed: 1000 + id,
    info: { phase, batchId: 1, trustRegionLength: 0.8, successCount: 0, failureCount: 0, restartCount: 0, modelId: null },
  };
}

function ok(objective: number, extra: Partial<TrialResult> = {}): TrialResult {
  return { status: 'complete', objective, constraints: [objective - 1], feasible: objective <= 1, metrics: null, error: null, seconds: 0.5, ...extra };
}

const by = (attempt: number, workerId = 'w1') => ({ attempt, workerId, host: 'h', startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:00:01.000Z' });
const worker = (id = 'w1') => ({ id, kind: 'thread' as const, host: 'h', pid: 1 });

test('a new study file is in WAL mode at the current schema version, and reopens with its record', () => {
  const store = freshStore();
  const path = store.path;
  store.close();
  const db = new Database(path);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
  const again = StudyStore.open(path);
  const info = again.study();
  assert.equal(info.id, 'study-1');
  assert.deepEqual(info.config, { budget: 10 });
  assert.equal(info.configSource, 'name: study\n');
  assert.equal(info.direction, 'minimize');
  assert.equal(info.finishedAt, null);
  again.close();
  assert.equal(resolveStudyPath(join(path, '..')), path, 'a study folder resolves to its database');
  assert.throws(() => resolveStudyPath(join(dir, 'nope')), UserError);
  assert.throws(() => StudyStore.create(path, init()), /already holds study/);
});

test('a file written by a newer spikeopt is refused, not misread', () => {
  const path = join(dir, 'newer.sqlite');
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => openDatabase(path), (err: Error) => err instanceof UserError && /newer than this spikeopt understands/.test(err.message));
});

test('migrations run in order, each in its own transaction; a failing one leaves the file at the previous version', () => {
  const path = join(dir, 'migrate.sqlite');
  const db = new Database(path);
  migrate(db, path);
  db.prepare("INSERT INTO events (at, kind, message) VALUES ('t', 'k', 'kept')").run();
  const v2: Migration = { version: SCHEMA_VERSION + 1, description: 'add a column', up: (d) => d.exec('ALTER TABLE events ADD COLUMN extra TEXT') };
  const broken: Migration = {
    version: SCHEMA_VERSION + 2,
    description: 'fails half-way',
    up: (d) => {
      d.exec('ALTER TABLE events ADD COLUMN other TEXT');
      throw new Error('boom');
    },
  };
  assert.throws(() => migrate(db, path, [...MIGRATIONS, v2, broken]), /boom/);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1, 'v2 applied, the broken one rolled back');
  const columns = (db.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((c) => c.name);
  assert.ok(columns.includes('extra') && !columns.includes('other'));
  assert.equal((db.prepare('SELECT message FROM events').get() as { message: string }).message, 'kept');
  db.close();
});

test('two connections migrating a new file at once: the later one finds the migrations applied and skips them', () => {
  const path = join(dir, 'race.sqlite');
  const a = new Database(path);
  const b = new Database(path);
  for (const d of [a, b]) d.pragma('busy_timeout = 2000');
  // The race: a reads the version (0), then b migrates the whole file, then a goes on with its stale version.
  const pragma = a.pragma.bind(a);
  let raced = false;
  a.pragma = ((source: string, options?: Database.PragmaOptions) => {
    const result = pragma(source, options);
    if (!raced && source === 'user_version') {
      raced = true;
      migrate(b, path);
    }
    return result;
  }) as typeof a.pragma;
  migrate(a, path);
  assert.ok(raced);
  assert.equal(pragma('user_version', { simple: true }), SCHEMA_VERSION);
  a.close();
  b.close();
});

test('a trial goes queued → running → complete; a second result for it is a duplicate and changes nothing', () => {
  const store = freshStore();
  const step = store.recordStep({ told: [], askCount: 2, pending: [], trials: [trial(0), trial(1)], state: { restartCount: 0, best: -Infinity }, model: null, seconds: 0.1 });
  assert.equal(step, 1);
  assert.deepEqual(store.countsByState(), { queued: 2, running: 0, complete: 0, 'stopped-early': 0, failed: 0 });
  assert.equal(store.beginAttempt(0), 1);
  assert.equal(store.trial(0)!.state, 'queued', 'published but not started is still queued');
  assert.ok(store.markStarted(0, 1, worker()));
  assert.equal(store.trial(0)!.state, 'running');
  assert.deepEqual(store.openAttempts(), [{ trialId: 0, attempt: 1, started: true }]);
  assert.equal(store.recordResult(0, ok(0.25), by(1), undefined, 'thread'), 'recorded');
  const done = store.trial(0)!;
  assert.equal(done.state, 'complete');
  assert.equal(done.objective, 0.25);
  assert.deepEqual(done.constraints, [-0.75]);
  assert.equal(done.feasible, true);
  assert.equal(done.finishedSeq, 1);
  assert.equal(done.workerId, 'w1');
  assert.equal(store.recordResult(0, ok(0.99), by(1, 'w2')), 'duplicate');
  assert.equal(store.trial(0)!.objective, 0.25, 'the first result wins');
  assert.equal(store.recordResult(42, ok(1), by(1)), 'unknown');
  assert.equal(store.beginAttempt(0), null, 'a final trial cannot start again');
  assert.equal(store.workers()[0].trialsDone, 1);
  assert.deepEqual(store.study().config, { budget: 10 });
  assert.deepEqual(store.lastStep()!.state, { restartCount: 0, best: '-Infinity' }, 'non-finite numbers survive as text');
  store.close();
});

test('lost attempts re-queue a trial until maxAttempts are lost, then fail it with the reason', () => {
  const store = freshStore();
  store.recordStep({ told: [], askCount: 1, pending: [], trials: [trial(0)], state: null, model: null, seconds: 0 });
  for (let attempt = 1; attempt <= 2; attempt++) {
    assert.equal(store.beginAttempt(0), attempt);
    store.markStarted(0, attempt, worker(`w${attempt}`));
    assert.equal(store.recordLost(0, attempt + 5, 'stale report', 3), 'ignored', 'a loss of another attempt is ignored');
    assert.equal(store.recordLost(0, attempt, `worker w${attempt} died`, 3), 'requeued');
    assert.equal(store.trial(0)!.state, 'queued');
  }
  assert.equal(store.beginAttempt(0), 3);
  store.markStarted(0, 3, worker('w3'));
  // A cancellation does not count as a loss.
  assert.ok(store.recordCancelled(0, 3, 'budget'));
  assert.equal(store.beginAttempt(0), 4);
  assert.equal(store.recordLost(0, 4, 'worker w4 died', 3), 'failed');
  const t = store.trial(0)!;
  assert.equal(t.state, 'failed');
  assert.match(t.error!, /lost 3 times, the last time because worker w4 died/);
  assert.deepEqual(
    store.attempts(0).map((a) => a.outcome),
    ['lost', 'lost', 'cancelled', 'lost'],
  );
  assert.deepEqual(store.untoldFinished().map((x) => x.id), [0]);
  store.close();
});

test('a result for an earlier attempt still counts when it arrives first (a worker thought dead finished after all)', () => {
  const store = freshStore();
  store.recordStep({ told: [], askCount: 1, pending: [], trials: [trial(0)], state: null, model: null, seconds: 0 });
  store.beginAttempt(0);
  store.markStarted(0, 1, worker('slow'));
  store.recordLost(0, 1, 'stalled', 3);
  store.beginAttempt(0);
  assert.equal(store.recordResult(0, ok(0.5), by(1, 'slow')), 'recorded');
  assert.equal(store.recordResult(0, ok(0.7), by(2, 'other')), 'duplicate');
  assert.equal(store.trial(0)!.objective, 0.5);
  store.close();
});

test('stopped networks are stopped-early trials, with their metrics in their own columns', () => {
  const store = freshStore();
  store.recordStep({ told: [], askCount: 1, pending: [], trials: [trial(0)], state: null, model: null, seconds: 0 });
  store.beginAttempt(0);
  const metrics = { stopped: true, stoppedAt: { epoch: 0, samples: 5005 }, trainSeconds: 12.5, validationSeconds: 3, spikeCounts: { outpt: 10, inhib: 0 }, decoders: [0.1, 0.2] };
  assert.equal(store.recordResult(0, ok(0.2, { metrics, feasible: false, constraints: [0.01] }), by(1)), 'recorded');
  const t = store.trial(0)!;
  assert.equal(t.state, 'stopped-early');
  assert.equal(t.stopped, true);
  assert.deepEqual(t.stopInfo, { epoch: 0, samples: 5005 });
  assert.equal(t.trainSeconds, 12.5);
  assert.equal(t.validationSeconds, 3);
  assert.deepEqual(t.spikeCounts, { outpt: 10, inhib: 0 });
  assert.deepEqual(t.metrics, metrics);
  store.close();
});

test('a step and its trials are written together or not at all', () => {
  const store = freshStore();
  store.recordStep({ told: [], askCount: 1, pending: [], trials: [trial(0)], state: null, model: null, seconds: 0 });
  // Trial id 0 again: the insert fails, and the step row written before it in the same transaction is rolled back.
  assert.throws(() => store.recordStep({ told: [], askCount: 2, pending: [], trials: [trial(1), trial(0)], state: null, model: null, seconds: 0 }));
  assert.equal(store.steps().length, 1);
  assert.equal(store.trialCount(), 1);
  store.close();
});

test('the journal records told, pending and proposed ids in order, and each result is told once', () => {
  const store = freshStore();
  store.recordStep({ told: [], askCount: 3, pending: [], trials: [trial(0), trial(1), trial(2)], state: null, model: null, seconds: 0 });
  for (const id of [2, 0]) {
    store.beginAttempt(id);
    store.recordResult(id, ok(id), by(1));
  }
  assert.deepEqual(store.untoldFinished().map((t) => t.id), [2, 0], 'in arrival order');
  store.recordStep({
    told: [2, 0],
    askCount: 1,
    pending: [1],
    trials: [trial(3, 'scbo')],
    state: { restartCount: 0 },
    model: { modelId: 1, hyperparameters: { lengthscales: new Float64Array([0.5]) }, trainingPoints: 2, fitSeconds: 0.1, selectSeconds: 0.01 },
    seconds: 0.2,
  });
  const steps = store.steps();
  assert.deepEqual(steps[1], { ...steps[1], step: 2, told: [2, 0], askCount: 1, pending: [1], proposed: [3], modelId: 1 });
  assert.deepEqual(store.untoldFinished(), []);
  assert.equal(store.trial(2)!.toldStep, 2);
  assert.equal(store.trial(3)!.step, 2);
  assert.deepEqual(store.models()[0].hyperparameters, { lengthscales: [0.5] });
  store.close();
});

test('sessions: an unclosed session can be closed as dead at its last heartbeat; worker seconds add up attempts', () => {
  const store = freshStore();
  const s = store.beginSession('run');
  assert.equal(store.openSessions().length, 1);
  store.closeDeadSession(s, 'crashed');
  const row = store.sessions()[0];
  assert.equal(row.endedAt, row.lastSeen);
  assert.equal(row.endReason, 'crashed');
  store.recordStep({ told: [], askCount: 1, pending: [], trials: [trial(0)], state: null, model: null, seconds: 0 });
  store.beginAttempt(0);
  store.recordResult(0, ok(0.1), by(1));
  assert.ok(Math.abs(store.workerSeconds() - 1) < 1e-3, `one attempt of one second, got ${store.workerSeconds()}`);
  store.close();
});
