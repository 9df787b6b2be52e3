import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerData } from '../../src/cli/commands/data.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir } from './helpers.js';

/** Runs `spikeopt …args` on a fresh program holding only the data commands; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('spikeopt').exitOverride();
  let help = '';
  program.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
  registerData(program);
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    await program.parseAsync(['node', 'spikeopt', ...args]);
  } catch (err) {
    if (help && (err as { code?: string }).code === 'commander.helpDisplayed') return help;
    throw err;
  } finally {
    console.log = orig;
  }
  return lines.join('\n');
}

test('data inspect mnist --encode poisson --T 100 --rate 128 --json: split sizes and ≈ 1250 spikes per image', async () => {
  const out = JSON.parse(await run('data', 'inspect', 'mnist', '--encode', 'poisson', '--T', '100', '--rate', '128', '--limit', '300', '--json'));
  assert.deepEqual(out.splits, { trainFile: 60000, train: 48000, validation: 12000, test: 10000 });
  assert.equal(out.synthetic, false);
  assert.equal(out.encoding.images, 300);
  assert.ok(out.encoding.meanSpikesPerImage > 1180 && out.encoding.meanSpikesPerImage < 1320, String(out.encoding.meanSpikesPerImage));
  assert.ok(Math.abs(out.encoding.meanSpikesPerImage - out.encoding.expectedMeanSpikesPerImage) < 20);
  assert.equal(out.classCounts.test[1], 1135);
  const fast = JSON.parse(await run('data', 'inspect', 'mnist', '--encode', 'poisson', '--T', '25', '--rate', '512', '--limit', '100', '--json'));
  assert.ok(Math.abs(fast.encoding.expectedSpikesWhitePixel - 11.85) < 0.05);
});

test('data synth-dvs then data inspect dvs DIR --json read back through the real readers and chain', async () => {
  const root = tempDir();
  for (const format of ['aedat', 'npy']) {
    const dir = join(root, format);
    const manifest = JSON.parse(await run('data', 'synth-dvs', '--out', dir, '--samples', '12', '--format', format, '--seed', '3', '--duration-ms', '300', '--json'));
    assert.equal(manifest.synthetic, true);
    const out = JSON.parse(await run('data', 'inspect', 'dvs', dir, '--json'));
    assert.equal(out.synthetic, true);
    assert.match(out.note, /SYNTHETIC/);
    assert.equal(out.format, format === 'npy' ? 'tonic-npy' : 'aedat');
    assert.equal(out.sampleCount, 12);
    assert.deepEqual(out.samples, manifest.samples);
    assert.deepEqual(out.classCounts, manifest.classCounts);
    assert.equal(out.measured.samples, 12);
    const m = out.measured.meanEventsPerSample;
    assert.ok(m.beforeDenoise > m.afterDenoise && m.afterDenoise > 0, JSON.stringify(m));
    assert.ok(out.measured.meanActiveCellsPerSample > 0);
  }
  const cacheDir = join(root, 'cache');
  const cached = JSON.parse(await run('data', 'inspect', 'dvs', join(root, 'npy'), '--cache-dir', cacheDir, '--json'));
  const again = JSON.parse(await run('data', 'inspect', 'dvs', join(root, 'npy'), '--cache-dir', cacheDir, '--json'));
  assert.equal(cached.preprocessing.cacheDir, cacheDir);
  assert.deepEqual(again.measured.meanActiveCellsPerSample, cached.measured.meanActiveCellsPerSample);
  const [paramsDir] = readdirSync(cacheDir);
  assert.equal(readdirSync(join(cacheDir, paramsDir)).filter((f) => f.endsWith('.spk')).length, 12);
  const text = await run('data', 'inspect', 'dvs', join(root, 'aedat'), '--binning', 'reference', '--limit', '2', '--split', 'test');
  assert.match(text, /SYNTHETIC DVS128 Gesture/);
  assert.match(text, /2 samples preprocessed/);
});

test('--help of each data command has examples', async () => {
  assert.match(await run('data', 'inspect', 'mnist', '--help'), /Examples:[\s\S]*--encode poisson/);
  assert.match(await run('data', 'inspect', 'dvs', '--help'), /Examples:[\s\S]*synth-dvs/);
  assert.match(await run('data', 'synth-dvs', '--help'), /Examples:[\s\S]*--format npy/);
});

test('user mistakes are UserErrors with one clear sentence', async () => {
  const root = tempDir();
  const cases: Array<[string[], RegExp]> = [
    [['data', 'inspect', 'mnist', '--encode', 'rank'], /--encode must be "poisson"/],
    [['data', 'inspect', 'mnist', '--T', 'abc'], /--T must be an integer/],
    [['data', 'inspect', 'mnist', '--rate', '0'], /--rate must be a number greater than 0/],
    [['data', 'inspect', 'mnist', '--dir', root], /has no train-images-idx3-ubyte/],
    [['data', 'inspect', 'dvs', join(root, 'missing')], /does not exist/],
    [['data', 'inspect', 'dvs', root, '--binning', 'fancy'], /--binning must be corrected or reference/],
    [['data', 'synth-dvs', '--out', root, '--format', 'hdf5'], /--format must be aedat or npy/],
    [['data', 'synth-dvs', '--out', root, '--samples', '0'], /--samples must be an integer ≥ 1/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(run(...args), (err: unknown) => err instanceof UserError && re.test(err.message), args.join(' '));
  }
});
