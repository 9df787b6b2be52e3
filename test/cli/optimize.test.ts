import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-cli-'));

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const errors: string[] = [];
  const logs: string[] = [];
  const origError = console.error;
  const origLog = console.log;
  const origWrite = process.stderr.write.bind(process.stderr);
  console.error = (...a: unknown[]) => void errors.push(a.join(' '));
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'spikeopt', ...args]);
  } finally {
    console.error = origError;
    console.log = origLog;
    process.stderr.write = origWrite;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stderr: errors.join('\n'), stdout: logs.join('\n') };
}

test('optimize runs a user module and writes every trial, in order, with the best feasible one', async () => {
  const module = join(dir, 'objective.mjs');
  writeFileSync(
    module,
    `export const space = [
  { name: 'x0', type: 'float', low: -5, high: 10 },
  { name: 'n', type: 'int', low: 1, high: 8 },
  { name: 'dec', type: 'categorical', choices: ['all', 'vote'] },
  { name: 'lr', type: 'float', low: 1e-4, high: 1e-1, log: true },
];
export const direction = 'minimize';
export async function evaluate(p, context) {
  if (!Number.isInteger(context.seed) || !Number.isInteger(context.trialId)) throw new Error('no trial context');
  if (p.n === 7) throw new Error('n = 7 is unlucky');
  if (p.n === 8) return { objective: NaN };
  return { objective: (p.x0 - 1) ** 2 + p.n + (p.dec === 'vote' ? 0 : 3) + Math.abs(Math.log10(p.lr) + 2), constraints: [p.x0 - 4] };
}
`,
  );
  const out = join(dir, 'out.json');
  const r = await run(['optimize', '--objective', module, '--budget', '24', '--batch', '4', '--init', '8', '--seed', '3', '--output', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(json.trials.length, 24);
  for (const t of json.trials) {
    assert.ok('params' in t && 'objective' in t && 'constraints' in t && 'feasible' in t);
    assert.ok(t.params.n >= 1 && t.params.n <= 8);
    if (t.params.n >= 7) {
      assert.equal(t.status, 'failed');
      assert.match(t.error, t.params.n === 7 ? /unlucky/ : /non-finite/);
    }
  }
  const feasible = json.trials.filter((t: { feasible: boolean }) => t.feasible);
  const bestValue = Math.min(...feasible.map((t: { objective: number }) => t.objective));
  assert.equal(json.best.objective, bestValue);
  assert.ok(json.best.constraints[0] <= 0);
});

test('random and sobol optimizers run through the same command', async () => {
  for (const optimizer of ['random', 'sobol']) {
    const out = join(dir, `${optimizer}.json`);
    const r = await run(['optimize', '--problem', 'gramacy', '--budget', '10', '--optimizer', optimizer, '--output', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).trials.length, 10);
  }
});

test('bad input gets one clear sentence and a non-zero exit', async () => {
  const missing = await run(['optimize', '--objective', join(dir, 'nope.mjs'), '--quiet']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope\.mjs does not exist/);

  const badSpace = join(dir, 'bad.mjs');
  writeFileSync(badSpace, `export const space = [{ name: 'x', type: 'float', low: 3, high: 1 }];\nexport const evaluate = () => 0;\n`);
  const bad = await run(['optimize', '--objective', badSpace, '--quiet']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /'x'/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');

  const badFlag = await run(['optimize', '--problem', 'gramacy', '--budget', 'ten']);
  assert.notEqual(badFlag.code, 0);
  assert.match(badFlag.stderr, /--budget expects an integer/);
});
