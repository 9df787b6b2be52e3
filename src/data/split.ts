/**
 * Seeded splits and subsets (spec datasets.md §5). One seeded permutation per campaign, identical on every
 * worker: the reference drew its split unseeded in each worker process, so workers validated on different data.
 */
import { createHash } from 'node:crypto';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';

/** A train/validation split of `nTotal` samples, with what is needed to record and re-check it. */
export interface TrainValidationSplit {
  /** Sample indices used for training (in permutation order). */
  readonly train: Uint32Array;
  /** Sample indices used for validation (in permutation order). */
  readonly validation: Uint32Array;
  readonly nTotal: number;
  readonly size: number;
  readonly ratio: number;
  readonly stratified: boolean;
  /** The seed, when the split was drawn from a seed rather than a caller's generator. */
  readonly seed?: number | string;
  /** Short SHA-256 of both index lists, to store with a campaign. */
  readonly hash: string;
}

/** Options of {@link trainValidationSplit}. Give either `seed` or `rng`. */
export interface SplitOptions {
  /** Number of samples drawn from the pool (default: all of them). */
  size?: number;
  /** Fraction of `size` that goes to training (default 0.8). */
  ratio?: number;
  seed?: number | string;
  rng?: Rng;
  /** Keep class proportions in both parts (needs `labels`); off by default as in the reference. */
  stratify?: boolean;
  labels?: ArrayLike<number>;
}

/** Seeded Fisher–Yates permutation of 0..n−1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = p[i];
    p[i] = p[j];
    p[j] = tmp;
  }
  return p;
}

/**
 * The paper's split: a random permutation, the first ⌊ratio·size⌋ indices train, the next ones validate, the
 * rest (nTotal − size) unused. 60000 → 48000/12000; 1077 → 861/216; size 862 of 1077 → 689/173.
 */
export function trainValidationSplit(nTotal: number, opts: SplitOptions = {}): TrainValidationSplit {
  const size = opts.size ?? nTotal;
  const ratio = opts.ratio ?? 0.8;
  if (!Number.isInteger(size) || size < 0 || size > nTotal) {
    throw new UserError(`Split size must be an integer between 0 and ${nTotal} (the number of samples), got ${size}.`);
  }
  if (!(ratio >= 0 && ratio <= 1)) throw new UserError(`Split ratio must be between 0 and 1, got ${ratio}.`);
  const rng = pickRng(opts);
  const nTrain = Math.floor(ratio * size);
  let train: Uint32Array;
  let validation: Uint32Array;
  if (opts.stratify) {
    if (!opts.labels || opts.labels.length !== nTotal) {
      throw new UserError('A stratified split needs one label per sample.');
    }
    const chosen = stratifiedSubset(opts.labels, size, rng);
    [train, validation] = stratifiedTwoWay(chosen, opts.labels, nTrain, rng);
  } else {
    const perm = permutation(nTotal, rng);
    train = perm.slice(0, nTrain);
    validation = perm.slice(nTrain, size);
  }
  return {
    train,
    validation,
    nTotal,
    size,
    ratio,
    stratified: !!opts.stratify,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    hash: hashIndices(train, validation),
  };
}

/**
 * A class-stratified random subset of `size` samples: each class gets a share proportional to its frequency
 * (largest remainders), members drawn at random; the result is shuffled. Used for scaled-down studies.
 */
export function stratifiedSubset(labels: ArrayLike<number>, size: number, rng: Rng): Uint32Array {
  const n = labels.length;
  if (!Number.isInteger(size) || size < 0 || size > n) {
    throw new UserError(`Subset size must be an integer between 0 and ${n} (the number of samples), got ${size}.`);
  }
  const byClass = groupByClass(labels);
  const quotas = apportion(
    byClass.map((g) => g.length),
    size,
  );
  const out = new Uint32Array(size);
  let k = 0;
  byClass.forEach((members, c) => {
    const q = quotas[c];
    // Partial Fisher–Yates: the first q positions become a uniform random q-subset.
    for (let i = 0; i < q; i++) {
      const j = i + rng.int(members.length - i);
      const tmp = members[i];
      members[i] = members[j];
      members[j] = tmp;
      out[k++] = members[i];
    }
  });
  shuffleInPlace(out, rng);
  return out;
}

/** Number of samples per class label (labels 0..max). */
export function classCounts(labels: ArrayLike<number>, nClasses?: number): number[] {
  let m = nClasses ?? 0;
  if (nClasses === undefined) for (let i = 0; i < labels.length; i++) m = Math.max(m, labels[i] + 1);
  const counts = new Array<number>(m).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** Short (16 hex digits) SHA-256 of index lists, order-sensitive. */
export function hashIndices(...lists: Uint32Array[]): string {
  const h = createHash('sha256');
  for (const l of lists) {
    h.update(new Uint8Array(new Uint32Array([l.length]).buffer));
    h.update(new Uint8Array(l.buffer, l.byteOffset, l.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/** Largest-remainder apportionment of `total` over `weights` (integer quotas never above each weight). */
export function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * total) / sum);
  const q = exact.map((e) => Math.floor(e));
  let left = total - q.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left === 0) break;
    if (q[i] < weights[i]) {
      q[i]++;
      left--;
    }
  }
  return q;
}

function stratifiedTwoWay(
  chosen: Uint32Array,
  labels: ArrayLike<number>,
  nTrain: number,
  rng: Rng,
): [Uint32Array, Uint32Array] {
  const sub = Array.from(chosen, (i) => labels[i]);
  const groups = groupByClass(sub);
  const quotas = apportion(
    groups.map((g) => g.length),
    nTrain,
  );
  const train: number[] = [];
  const validation: number[] = [];
  groups.forEach((members, c) => {
    members.forEach((m, k) => (k < quotas[c] ? train : validation).push(chosen[m]));
  });
  const t = Uint32Array.from(train);
  const v = Uint32Array.from(validation);
  shuffleInPlace(t, rng);
  shuffleInPlace(v, rng);
  return [t, v];
}

function groupByClass(labels: ArrayLike<number>): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    while (groups.length <= c) groups.push([]);
    groups[c].push(i);
  }
  return groups;
}

function shuffleInPlace(a: Uint32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
}

function pickRng(opts: SplitOptions): Rng {
  if (opts.rng && opts.seed !== undefined) throw new RangeError('trainValidationSplit: give seed or rng, not both');
  if (opts.rng) return opts.rng;
  if (opts.seed === undefined) throw new UserError('A split needs a seed: every random choice flows from a seed.');
  return new Rng(opts.seed);
}
