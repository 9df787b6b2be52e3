import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildProgram, main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-study-cli-'));

/** Runs the CLI in this process, capturing what it prints (console) and its exit code. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const orig = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.exitCode = 0;
  try {
    await main(['node', 'spikeopt', ...args]);
  } finally {
    console.log = orig.log;
    console.error = orig.error;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The help text of a command, as `spikeopt COMMAND --help` prints it. */
async function help(command: string): Promise<string> {
  const program = buildProgram();
  let text = '';
  const capture = (c: Command): void => {
    c.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
    c.commands.forEach(capture);
  };
  capture(program);
  await assert.rejects(() => program.parseAsync(['node', 'spikeopt', command, '--help']), { code: 'commander.helpDisplayed' });
  return text;
}

test('every study command has help with examples', async () => {
  for (const command of ['run', 'resume', 'worker', 'status', 'export', 'demo']) {
    assert.match(await help(command), /Examples:\n {2}\$ (spikeopt|npm start)/, command);
  }
});

test('mistakes end with one sentence and exit code 2', async () => {
  const missing = await cli('run', join(dir, 'missing.yaml'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^spikeopt: Study config .*missing\.yaml could not be read: it does not exist\.$/);
  const nowhere = await cli('status', join(dir, 'nowhere'));
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.err, /^spikeopt: Study .*nowhere does not exist/);
  const file = join(dir, 'unreachable.yaml');
  writeFileSync(file, stringify({ name: 'unreachable', objective: 'noop', budget: { evaluations: 2 }, execution: { mode: 'distributed', broker: 'redis://127.0.0.1:1' }, storage: { path: 'studies/unreachable' } }));
  const broker = await cli('run', file);
  assert.equal(broker.code, 2);
  assert.match(broker.err, /^spikeopt: Cannot use the broker at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\.$/);
  assert.ok(!existsSync(join(dir, 'studies', 'unreachable')), 'no study is created when the broker cannot be reached');
  const badUrl = await cli('worker', '--broker', 'http://host', '--objective', 'noop');
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.err, /^spikeopt: Broker URL 'http:\/\/host' must start with redis:\/\/ or rediss:\/\/ \(TLS\)\.$/);
});

test('run, status, export and resume a small local study from the command line', async () => {
  const file = join(dir, 'small.yaml');
  writeFileSync(file, stringify({ name: 'small', seed: 3, objective: 'gramacy', optimizer: { name: 'random', batchSize: 4, initialSize: 4 }, budget: { evaluations: 10 }, execution: { workers: 1 }, storage: { path: 'studies/small' } }));
  const run = await cli('run', file, '--quiet');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /Study small finished: 10 trials: 10 complete/);
  const studyDir = join(dir, 'studies', 'small');
  const status = await cli('status', studyDir, '--json');
  const s = JSON.parse(status.out);
  assert.equal(s.state, 'finished');
  assert.equal(s.counts.complete, 10);
  assert.equal(s.workers[0].id, 'thread-1');
  const text = await cli('status', file);
  assert.match(text.out, /^Study small \(small-[0-9a-f]{8}\): local, random, seed 3/);
  assert.match(text.out, /Trials: 10 of 10: 10 complete/);
  const out = join(dir, 'all_evaluations.csv');
  const exported = await cli('export', studyDir, '--format', 'reference-csv', '--out', out);
  assert.equal(exported.code, 0, exported.err);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines[0], /^x0,x1,constraint_0,constraint_1,objective,eval_time,start_time,end_time,start_date,end_date,iteration,algorithm,length,trestart,model$/);
  const resumed = await cli('resume', studyDir);
  assert.match(resumed.out, /nothing to run: all 10 evaluations of the budget are done/);
  const wrong = await cli('resume', studyDir, '--broker', 'redis://127.0.0.1:6379');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--broker applies to distributed studies only/);
  const more = await cli('resume', studyDir, '--evaluations', '14', '--quiet');
  assert.equal(more.code, 0, more.err);
  assert.match(more.out, /Study small finished: 14 trials: 14 complete/);
});

test('run --scale merges the scale, prints it and stores it; resume and status use it', async () => {
  const file = join(dir, 'scaled.yaml');
  writeFileSync(
    file,
    stringify({
      name: 'scaled',
      seed: 2,
      objective: 'gramacy',
      optimizer: { name: 'random', batchSize: 2, initialSize: 2 },
      budget: { evaluations: 50 },
      execution: { workers: 1 },
      storage: { path: 'studies/scaled' },
      scales: { small: { name: 'scaled-small', budget: { evaluations: 4 }, storage: { path: 'studies/scaled-small' } } },
    }),
  );
  const unknown = await cli('run', file, '--scale', 'tiny');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^spikeopt: Study config .*scaled\.yaml has no scale 'tiny' \(available: small\)\.$/);
  const run = await cli('run', file, '--scale', 'small');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^Study scaled-small created in .*\(local, random, scale small\)\./);
  assert.match(run.out, /Study scaled-small finished: 4 trials: 4 complete/);
  const status = await cli('status', file, '--json');
  assert.equal(status.code, 2, 'without --scale the file names the full-scale study, which does not exist');
  const studyDir = join(dir, 'studies', 'scaled-small');
  const text = await cli('status', studyDir);
  assert.match(text.out, /^Study scaled-small \(scaled-small-[0-9a-f]{8}\): local, random, seed 2, scale small/);
  const more = await cli('resume', file, '--scale', 'small', '--evaluations', '6');
  assert.equal(more.code, 0, more.err);
  assert.match(more.out, /^Study scaled-small, scale small \(as stored with the study\)\./);
  assert.match(more.out, /Study scaled-small finished: 6 trials: 6 complete/);
  const wrong = await cli('resume', studyDir, '--scale', 'small');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--scale only helps find a study from its YAML config/);
});

test('demo --snn runs Experiment 1 tiny from the shipped study file, each time in a new folder', async () => {
  const folder = join(dir, 'snn-demo');
  const r = await cli('demo', '--snn', '--budget', '6', '--workers', '1', '--dir', folder);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Experiment 1 of the paper at tiny scale/);
  assert.match(r.out, /6 evaluations/);
  assert.ok(existsSync(join(folder, 'study.sqlite')));
  const csv = readFileSync(join(folder, 'trials.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 7); // header + 6 trials
  assert.match(csv[0], /map_size/);
});
