/**
 * Synthetic DVS128 Gesture samples as a {@link SpikeDataset}, generated in memory (no files): for experiments and
 * tests that need gesture-like event data when no recordings are at hand (spec datasets.md §6). Each sample is
 * synthesised from its seed on first use (about 0.2–0.4 s), run through the paper's chain (Denoise 5 ms → ToFrame
 * → binarise) and kept in memory (about 150 kB per sample at 100 frames). Always marked synthetic.
 *
 * Sample i of a split: label from a balanced, shuffled list (as many of each class as the size allows); user
 * 1 + (i mod 23) for the training split, 24 + (i mod 6) for the test split; that user's style with a per-sample
 * jitter; everything flows from (seed, split, i), so every worker thread sees the same data.
 */
import { Rng } from '../../util/rng.js';
import type { SpikeDataset } from '../dataset.js';
import { subsetDataset } from '../dataset.js';
import type { SpikeTrains } from '../spikes.js';
import { trainValidationSplit, type TrainValidationSplit } from '../split.js';
import { DVS128 } from './events.js';
import { LAST_TRAIN_USER, N_GESTURE_CLASSES, type GestureSplit } from './gesture.js';
import { jitterStyle, synthesizeGesture, userStyle, type SyntheticOptions } from './synthetic.js';
import { PAPER_PREPROCESSING, preprocess, type Binning } from './transforms.js';

/** Sizes of the real dataset's official splits (Tonic copy), the defaults here. */
export const GESTURE_SPLIT_SIZES = { train: 1077, test: 264 } as const;

/** Options of {@link SyntheticGestureDataset}. */
export interface SyntheticGestureDatasetOptions {
  seed: number | string;
  split: GestureSplit;
  /** Samples (default: the real split's size, 1077 or 264). Only the samples used are ever generated. */
  size?: number;
  /** Generator options (duration, noise, …). */
  generator?: SyntheticOptions;
  /** Denoise filter time in µs (default 5000); null disables denoising. */
  filterTime?: number | null;
  /** Frames per sample (default 100). */
  nTimeBins?: number;
  binning?: Binning;
}

/** Binary-frame synthetic gestures over T = nTimeBins steps of 2 × 128 × 128 inputs. */
export class SyntheticGestureDataset implements SpikeDataset {
  readonly name: string;
  readonly size: number;
  readonly shape = [DVS128.polarities, DVS128.height, DVS128.width] as const;
  readonly nInputs = DVS128.polarities * DVS128.height * DVS128.width;
  readonly T: number;
  readonly nClasses = N_GESTURE_CLASSES;
  readonly synthetic = true;
  private readonly labels: Uint8Array;
  private readonly cache = new Map<number, SpikeTrains>();

  constructor(private readonly opts: SyntheticGestureDatasetOptions) {
    this.size = opts.size ?? GESTURE_SPLIT_SIZES[opts.split];
    if (!(Number.isInteger(this.size) && this.size >= 0)) throw new RangeError(`synthetic gestures: size must be an integer ≥ 0, got ${this.size}`);
    this.T = opts.nTimeBins ?? PAPER_PREPROCESSING.nTimeBins;
    this.name = `synthetic dvs128-gesture/${opts.split} (in memory, seed ${opts.seed})`;
    const labels = Array.from({ length: this.size }, (_, i) => i % N_GESTURE_CLASSES);
    new Rng(`${opts.seed}:synthetic-gestures:${opts.split}:labels`).shuffle(labels);
    this.labels = Uint8Array.from(labels);
  }

  label(i: number): number {
    this.check(i);
    return this.labels[i];
  }

  /** The subject who "performed" sample i (training users 1–23, test users 24–29, as in the real split). */
  user(i: number): number {
    this.check(i);
    return this.opts.split === 'train' ? 1 + (i % LAST_TRAIN_USER) : LAST_TRAIN_USER + 1 + (i % (29 - LAST_TRAIN_USER));
  }

  /** Binary frames of sample i (generated on first use, then kept; the rng is unused). */
  events(i: number, _rng?: Rng): SpikeTrains {
    this.check(i);
    let trains = this.cache.get(i);
    if (!trains) {
      const key = `${this.opts.seed}:synthetic-gestures:${this.opts.split}:${i}`;
      const style = jitterStyle(userStyle(this.user(i), this.opts.seed), new Rng(`${key}:style`));
      const ev = synthesizeGesture(this.labels[i], style, key, this.opts.generator);
      trains = preprocess(ev, {
        filterTime: this.opts.filterTime === undefined ? PAPER_PREPROCESSING.filterTime : this.opts.filterTime,
        nTimeBins: this.T,
        binning: this.opts.binning ?? PAPER_PREPROCESSING.binning,
      }).trains;
      this.cache.set(i, trains);
    }
    return trains;
  }

  private check(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) throw new RangeError(`sample index ${i} out of range 0..${this.size - 1}`);
  }
}

/** The seeded train/validation split of a synthetic training set, as `openDvsGesture` draws it for real data. */
export interface SyntheticGestureSplits {
  readonly train: SpikeDataset;
  readonly validation: SpikeDataset;
  readonly split: TrainValidationSplit;
  readonly fullTrain: SyntheticGestureDataset;
}

/**
 * A synthetic official training set (default 1077 samples) and its seeded split (spec datasets.md §5): `size`
 * 862 gives Exp 2's 689 / 173, the default (all 1077) Exp 4's 861 / 216.
 */
export function openSyntheticDvsGesture(
  opts: Omit<SyntheticGestureDatasetOptions, 'split' | 'size'> & { poolSize?: number; splitSeed: number | string; size?: number; ratio?: number; stratify?: boolean },
): SyntheticGestureSplits {
  const fullTrain = new SyntheticGestureDataset({ ...opts, split: 'train', size: opts.poolSize ?? GESTURE_SPLIT_SIZES.train });
  const labels = Uint8Array.from({ length: fullTrain.size }, (_, i) => fullTrain.label(i));
  const split = trainValidationSplit(fullTrain.size, { seed: opts.splitSeed, size: opts.size, ratio: opts.ratio, stratify: opts.stratify, labels });
  return {
    train: subsetDataset(fullTrain, split.train, `${fullTrain.name} train split`),
    validation: subsetDataset(fullTrain, split.validation, `${fullTrain.name} validation split`),
    split,
    fullTrain,
  };
}
