/**
 * DVS128 Gesture as a {@link SpikeDataset}: samples are read through the real readers, preprocessed
 * (Denoise → ToFrame → binarise) on first use and served from the on-disk frame cache afterwards.
 */
import { resolve } from 'node:path';
import type { Rng } from '../../util/rng.js';
import type { SpikeDataset } from '../dataset.js';
import { subsetDataset } from '../dataset.js';
import type { SpikeTrains } from '../spikes.js';
import { trainValidationSplit, type TrainValidationSplit } from '../split.js';
import { FrameCache, defaultCacheDir, stableHash } from './cache.js';
import { DVS128 } from './events.js';
import {
  GestureRecordings,
  indexGesture,
  N_GESTURE_CLASSES,
  type DuplicateClassPolicy,
  type GestureEntry,
  type GestureFormat,
  type GestureIndex,
  type GestureSplit,
} from './gesture.js';
import { preprocess, PAPER_PREPROCESSING, type Binning } from './transforms.js';

/** Options of {@link DvsGestureDataset}. */
export interface DvsGestureOptions {
  /** Dataset folder (original release or Tonic copy). */
  root: string;
  format?: GestureFormat | 'auto';
  split: GestureSplit;
  duplicateClassPolicy?: DuplicateClassPolicy;
  /** Denoise filter time in µs (default 5000 = 5 ms); null disables denoising. */
  filterTime?: number | null;
  /** Number of frames (default 100). */
  nTimeBins?: number;
  /** Default 'corrected'; 'reference' reproduces Tonic's binning quirks. */
  binning?: Binning;
  /** AEDAT compatibility option (see aedat.ts). */
  keepInvalid?: boolean;
  /** Cache root (default {@link defaultCacheDir}); false disables the cache. */
  cacheDir?: string | false;
  /** Decoded files kept in memory. */
  lruSize?: number;
  onWarning?: (message: string) => void;
}

/** Binary-frame gesture samples over T = nTimeBins steps of 2 × 128 × 128 inputs. */
export class DvsGestureDataset implements SpikeDataset {
  readonly name: string;
  readonly size: number;
  readonly shape = [DVS128.polarities, DVS128.height, DVS128.width] as const;
  readonly nInputs = DVS128.polarities * DVS128.height * DVS128.width;
  readonly T: number;
  readonly nClasses = N_GESTURE_CLASSES;
  readonly synthetic: boolean;
  readonly index: GestureIndex;
  readonly recordings: GestureRecordings;
  /** Undefined when caching is off. */
  readonly cache?: FrameCache;
  private readonly filterTime: number | null;
  private readonly binning: Binning;

  constructor(private readonly opts: DvsGestureOptions) {
    this.index = indexGesture(opts);
    this.recordings = new GestureRecordings(this.index, {
      keepInvalid: opts.keepInvalid,
      lruSize: opts.lruSize,
      onWarning: opts.onWarning,
    });
    this.size = this.index.entries.length;
    this.T = opts.nTimeBins ?? PAPER_PREPROCESSING.nTimeBins;
    this.filterTime = opts.filterTime === undefined ? PAPER_PREPROCESSING.filterTime : opts.filterTime;
    this.binning = opts.binning ?? PAPER_PREPROCESSING.binning;
    this.synthetic = this.index.synthetic;
    this.name = `${this.synthetic ? 'synthetic ' : ''}dvs128-gesture/${opts.split} (${this.index.format})`;
    if (opts.cacheDir !== false) {
      this.cache = new FrameCache(resolve(opts.cacheDir ?? defaultCacheDir()), this.cacheParams());
    }
  }

  /** Everything that changes the frames of a sample (the cache's parameter key). */
  cacheParams(): Record<string, unknown> {
    return {
      kind: 'dvs-binary-frames',
      filterTime: this.filterTime,
      nTimeBins: this.T,
      binning: this.binning,
      sensor: DVS128,
      keepInvalid: !!this.opts.keepInvalid,
    };
  }

  label(i: number): number {
    return this.recordings.entry(i).label;
  }

  /** Index entry (file, user, lighting, segment) of sample i. */
  entry(i: number): GestureEntry {
    return this.recordings.entry(i);
  }

  /** Binary frames of sample i as spike trains (the rng is unused: frames are deterministic). */
  events(i: number, _rng?: Rng): SpikeTrains {
    const compute = (): SpikeTrains => this.preprocessSample(i).trains;
    return this.cache ? this.cache.getOrCompute(sampleKey(this.recordings.entry(i)), compute) : compute();
  }

  /** Runs the chain on sample i without the cache, with event counts before and after denoising. */
  preprocessSample(i: number): ReturnType<typeof preprocess> {
    const e = this.recordings.entry(i);
    return preprocess(this.recordings.sample(i), {
      filterTime: this.filterTime,
      nTimeBins: this.T,
      binning: this.binning,
      where: `${e.file}${e.segmentIndex !== undefined ? ` segment ${e.segmentIndex}` : ''}`,
      onWarning: this.opts.onWarning,
    });
  }
}

/** Cache key of one sample: source file identity plus the segment. */
export function sampleKey(e: GestureEntry): string {
  return stableHash({ file: e.file, size: e.fileSize, mtimeMs: e.fileMtimeMs, start: e.startUs, end: e.endUs, label: e.label });
}

/** The paper's DVS setting: seeded split of the official training set (1077 → 861/216) plus the official test set. */
export interface DvsGestureSplits {
  readonly train: SpikeDataset;
  readonly validation: SpikeDataset;
  readonly test: DvsGestureDataset;
  readonly split: TrainValidationSplit;
  readonly fullTrain: DvsGestureDataset;
}

/** Opens both official splits and draws the seeded train/validation split of the training set. */
export function openDvsGesture(
  opts: Omit<DvsGestureOptions, 'split'> & { seed: number | string; size?: number; ratio?: number; stratify?: boolean },
): DvsGestureSplits {
  const fullTrain = new DvsGestureDataset({ ...opts, split: 'train' });
  const test = new DvsGestureDataset({ ...opts, split: 'test' });
  const labels = Uint8Array.from(fullTrain.index.entries, (e) => e.label);
  const split = trainValidationSplit(fullTrain.size, { seed: opts.seed, size: opts.size, ratio: opts.ratio, stratify: opts.stratify, labels });
  return {
    train: subsetDataset(fullTrain, split.train, `${fullTrain.name} train split`),
    validation: subsetDataset(fullTrain, split.validation, `${fullTrain.name} validation split`),
    test,
    split,
    fullTrain,
  };
}
