/**
 * Distributed execution against a real redis-server (started here on a free loopback port, with a password) and
 * real `spikeopt worker` / `spikeopt run` / `spikeopt resume` processes. Without redis-server these tests fail.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue, type ConnectionOptions } from 'bullmq';
import { brokerOptions, checkBroker } from '../../src/execute/distributed/broker.js';
import { RemoteWorker } from '../../src/execute/distributed/remote-worker.js';
import { PROTOCOL_VERSION } from '../../src/execute/distributed/protocol.js';
import { parseStudyConfig } from '../../src/study/config.js';
import { createStudy } from '../../src/study/create.js';
import { runStudy } from '../../src/study/runner.js';
import { studyStatus } from '../../src/study/status.js';
import { formatStatus } from '../../src/cli/commands/status.js';
import {
  FIXTURES,
  finalSnapshot,
  freePort,
  killChildren,
  readTrials,
  spawnCli,
  startRedis,
  tempDir,
  waitFor,
  withStore,
  writeStudy,
  type CliProcess,
  type RedisServer,
} from './helpers.js';

const SLEEPY_MS = 300;
let redis: RedisServer;
const workers = new Map<string, CliProcess>();

function startWorker(id: string): CliProcess {
  const w = spawnCli(
    ['worker', '--broker', redis.url, '--objective', join(FIXTURES, 'sleepy.mjs'), '--id', id, '--lock-seconds', '1.5', '--stalled-seconds', '0.5', '--heartbeat', '0.5'],
    { SLEEPY_MS: String(SLEEPY_MS) },
  );
  workers.set(id, w);
  return w;
}

before(async () => {
  redis = await startRedis();
  const started = ['w1', 'w2', 'w3'].map(startWorker);
  await Promise.all(started.map((w) => waitFor(() => {
    if (w.child.exitCode !== null) throw new Error(`worker exited: ${w.output()}`);
    return /serving 'sleepy'/.test(w.output());
  }, 60_000, 'workers to start')));
});

after(async () => {
  killChildren();
  await redis?.stop();
});

/** A distributed study config on the test broker, and its database path. */
function distributedStudy(name: string, evaluations: number): { dir: string; file: string; db: string } {
  const dir = tempDir(`spikeopt-${name}-`);
  const file = writeStudy(dir, {
    name,
    seed: 17,
    objective: join(FIXTURES, 'sleepy.mjs'),
    optimizer: { name: 'scbo', batchSize: 4, initialSize: 4, settings: { candidates: 200, features: 256 } },
    budget: { evaluations },
    execution: { mode: 'distributed', broker: redis.url, heartbeat: '0.5s', reconcileInterval: '0.3s', maxAttempts: 3 },
  });
  return { dir, file, db: join(dir, 'studies', name, 'study.sqlite') };
}

function counts(db: string): { final: number; running: number; byWorker: Map<string, number[]> } {
  try {
    return withStore(db, (s) => {
      const c = s.countsByState();
      const byWorker = new Map<string, number[]>();
      for (const t of s.trials(['running'])) byWorker.set(t.workerId!, [...(byWorker.get(t.workerId!) ?? []), t.id]);
      return { final: c.complete + c['stopped-early'] + c.failed, running: c.running, byWorker };
    });
  } catch {
    return { final: 0, running: 0, byWorker: new Map() };
  }
}

function alive(p: CliProcess): void {
  if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`process ended early:\n${p.output()}`);
}

/** Every trial of the budget exactly once, all completed (the sleepy objective never fails). */
function assertComplete(db: string, evaluations: number): ReturnType<typeof readTrials> {
  const trials = readTrials(db);
  assert.deepEqual(trials.map((t) => t.id), Array.from({ length: evaluations }, (_, i) => i));
  for (const t of trials) assert.ok(t.state === 'complete' || t.state === 'stopped-early', `trial ${t.id} is ${t.state}: ${t.error}`);
  withStore(db, (s) => {
    const told = s.steps().flatMap((x) => x.told);
    assert.equal(new Set(told).size, told.length, 'no result told twice');
  });
  return trials;
}

test('three worker processes, one killed with -9 mid-trial: its trial runs elsewhere, nothing lost or duplicated', async () => {
  const { file, db } = distributedStudy('workerkill', 12);
  const master = spawnCli(['run', file]);
  const { id: victim } = await waitFor(() => {
    alive(master);
    const running = counts(db).byWorker.get('w1');
    return running && running.length > 0 ? { id: running[0] } : null;
  }, 60_000, 'w1 to run a trial');
  const before = finalSnapshot(readTrials(db));
  const killedAt = Date.now();
  workers.get('w1')!.child.kill('SIGKILL');
  assert.equal(await master.exited, 0, master.output());
  const trials = assertComplete(db, 12);
  const final = finalSnapshot(trials);
  for (const [id, record] of before) assert.equal(final.get(id), record);
  withStore(db, (s) => {
    const attempts = s.attempts(victim);
    assert.equal(attempts[0].workerId, 'w1');
    assert.equal(attempts[0].outcome, 'lost');
    assert.match(attempts[0].reason!, /stalled/);
    const rerun = attempts.at(-1)!;
    assert.notEqual(rerun.workerId, 'w1');
    assert.equal(rerun.outcome, s.trial(victim)!.state);
    const seconds = (Date.parse(rerun.startedAt!) - killedAt) / 1000;
    assert.ok(seconds < 15, `re-run started ${seconds} s after the kill`);
    console.log(`# worker killed: trial ${victim} ran again on ${rerun.workerId} ${seconds.toFixed(1)} s after the kill`);
    const text = formatStatus(studyStatus(s)).join('\n');
    assert.match(text, /Trials: 12 of 12: /);
    for (const id of ['w2', 'w3']) assert.match(text, new RegExp(`${id} +remote .* heartbeat `));
  });
  workers.delete('w1');
});

test('Redis killed and restarted empty mid-study: the master republishes what it lost and finishes', async () => {
  const { file, db } = distributedStudy('redisrestart', 12);
  const master = spawnCli(['run', file]);
  await waitFor(() => {
    alive(master);
    const c = counts(db);
    return c.final >= 4 && c.running >= 1;
  }, 60_000, 'results before the Redis restart');
  const before = finalSnapshot(readTrials(db));
  await redis.kill9();
  await new Promise((r) => setTimeout(r, 700));
  await redis.restart();
  assert.equal(await master.exited, 0, master.output());
  const trials = assertComplete(db, 12);
  const final = finalSnapshot(trials);
  for (const [id, record] of before) assert.equal(final.get(id), record);
  withStore(db, (s) => assert.ok(s.events(1000).some((e) => e.kind === 'requeued'), 'lost jobs were published again'));
  for (const w of workers.values()) alive(w);
});

test('kill -9 of the master: results reaching Redis meanwhile are collected on resume, not re-run', async () => {
  const { dir, file, db } = distributedStudy('masterkill', 12);
  const master = spawnCli(['run', file]);
  await waitFor(() => {
    alive(master);
    const c = counts(db);
    return c.final >= 3 && c.running >= 2;
  }, 60_000, 'two trials running');
  master.child.kill('SIGKILL');
  await master.exited;
  const killed = readTrials(db);
  const before = finalSnapshot(killed);
  const running = killed.filter((t) => t.state === 'running').map((t) => t.id);
  // Let the workers finish what they had while no master listens.
  await new Promise((r) => setTimeout(r, SLEEPY_MS * 2.5));
  const resumed = spawnCli(['resume', join(dir, 'studies', 'masterkill')]);
  assert.equal(await resumed.exited, 0, resumed.output());
  const trials = assertComplete(db, 12);
  const final = finalSnapshot(trials);
  for (const [id, record] of before) assert.equal(final.get(id), record);
  for (const id of running) {
    const t = trials.find((x) => x.id === id)!;
    assert.equal(t.attempts, 1, `trial ${id} finished during the outage and was collected, not run again`);
  }
});

test('workers run nothing from a job that is malformed, names another objective or leaves the space', async () => {
  const connection = brokerOptions({ url: redis.url }) as ConnectionOptions;
  const queue = new Queue('trials-sleepy', { connection, prefix: 'spikeopt' });
  const results = new Queue('results-evil-study', { connection, prefix: 'spikeopt' });
  try {
    const job = { v: PROTOCOL_VERSION, studyId: 'evil-study', trialId: 1, attempt: 1, seed: 1, objective: 'sleepy', params: { x0: 0.5, x1: 0.5 }, timeoutSeconds: null };
    const bad = [
      { ...job, trialId: 1, params: undefined },
      { ...job, trialId: 2, objective: 'noop' },
      { ...job, trialId: 3, params: { x0: 5, x1: 0.5 } },
      { ...job, trialId: 4, module: '/tmp/evil.mjs', code: 'process.exit(1)' },
      'not even an object',
    ];
    const added = await Promise.all(bad.map((data, i) => queue.add('trial', data, { jobId: `evil-${i}` })));
    await waitFor(async () => {
      const states = await Promise.all(added.map((j) => queue.getJobState(j.id!)));
      return states.every((s) => s === 'failed');
    }, 20_000, 'the workers to reject every bad job');
    for (const j of added) {
      const failed = (await queue.getJob(j.id!))!;
      assert.match(failed.failedReason, /^rejected by w\d: /);
    }
    assert.equal(await results.count(), 0, 'nothing was started or reported');
  } finally {
    await queue.close();
    await results.close();
  }
});

test('a worker given a wrong password stops at once with one sentence, without the password', async () => {
  const w = spawnCli(['worker', '--broker', `redis://:wrong-password@127.0.0.1:${redis.port}`, '--objective', 'noop']);
  assert.equal(await w.exited, 2);
  assert.match(w.output(), new RegExp(`^spikeopt: Cannot use the broker at redis://:\\*\\*\\*@127.0.0.1:${redis.port}: it refused the credentials\\.\\n$`));
});

test('a study over TLS (rediss://) with a private certificate authority', async () => {
  const dir = tempDir('spikeopt-tls-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-days', '1', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const port = await freePort();
  const server = spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no', '--requirepass', 'tls-pw', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  const url = `rediss://:tls-pw@localhost:${port}`;
  const tlsCa = join(dir, 'cert.pem');
  let worker: RemoteWorker | null = null;
  try {
    await waitFor(() => /Ready to accept connections/.test(log), 10_000, 'TLS redis-server');
    await assert.rejects(() => checkBroker({ url }), /Cannot use the broker at rediss:\/\/:\*\*\*@localhost/, 'an unknown authority is refused');
    await checkBroker({ url, tlsCa });
    worker = new RemoteWorker({ broker: { url, tlsCa }, prefix: 'spikeopt', objective: { kind: 'registered', name: 'noop' }, concurrency: 1, lockSeconds: 5, stalledSeconds: 2, heartbeatSeconds: 0.5, id: 'tls-worker' });
    await worker.start();
    const config = parseStudyConfig(
      { name: 'tls', objective: 'noop', optimizer: { name: 'random', batchSize: 3, initialSize: 3 }, budget: { evaluations: 6 }, execution: { mode: 'distributed', broker: url, tlsCa, reconcileInterval: '0.3s', heartbeat: '0.5s' }, storage: { path: join(dir, 'study') } },
      'tls.yaml',
      dir,
    );
    const store = await createStudy(config, null, 'tls.yaml');
    const result = await runStudy(store, 'run');
    assert.equal(result.reason, 'finished');
    assert.equal(result.counts.complete, 6);
    assert.ok(store.trials().every((t) => t.workerId === 'tls-worker'));
    store.close();
  } finally {
    await worker?.close();
    server.kill('SIGKILL');
  }
});
