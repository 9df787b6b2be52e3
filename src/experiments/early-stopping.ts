/**
 * Spike-based early stopping of silent networks (spec system.md §2, `NonSpikingPercentageStopping` of the
 * reference), and the failure convention of evaluations (spec Q18).
 *
 *   count[i] = 0 for all criteria at each epoch start
 *   on chunk close (samples since the last check > U):
 *       for each criterion i: count[i] += #{samples in chunk with spikes(layer_i) < threshold_i}
 *       stopped = any_i count[i] / total_i > p_i
 *   constraints: c[i] = count[i] / total[i] − p[i]   (from the counts of the last epoch run)
 *
 * The trailing partial chunk of an epoch is never counted. Pure: no timers, no I/O, no randomness.
 *
 * Beyond the paper (both off by default, so the rule above is exactly the reference's):
 *   - `predictive`: also fire as soon as the full rule is *predicted* to fire by the end of the epoch, i.e. when
 *     count[i] + LB_z(count[i]/counted) · (total[i] − counted) > p[i] · total[i], LB_z the Wilson lower bound of the
 *     silent rate. The full rule is still checked, so every network it flags is still flagged, only earlier.
 *     With `predictive.window` W, the same projection is also made with the silent rate of the last W chunks
 *     (networks go silent as they train, so the recent rate predicts the rest of the epoch better than the mean).
 *   - `constraint: 'projected'` (forced by `predictive`): a stopped network reports the silent rate it showed,
 *     c[i] = max(count/total, count/counted, (count + r[i] · (total − counted))/total) − p[i] (r: the rate of the
 *     last W chunks, with a window), instead of a count cut short by the stop (a fully silent network then gives
 *     ≈ 1 − p instead of ≈ (U+1)/total). Networks that ran the whole epoch report the spec's value, so
 *     "feasible ⇔ not stopped" still holds.
 */

/** One criterion: a layer is silent on a sample iff its spike total over the sample is < `threshold`. */
export interface StopCriterion {
  /** Monitored layer (Exp 1: 'outpt', 'inhib'). */
  layer: string;
  /** Spike threshold (strict: silent iff spikes < threshold). */
  threshold: number;
  /** Proportion p: stop iff count/total > p. */
  proportion: number;
  /** Denominator `total` (the reference: a constant, e.g. 48000; quirk Q16). */
  total: number;
}

/** The rule's settings, visible and tunable from a study config. */
export interface EarlyStoppingConfig {
  /** Criteria, combined with OR (all are evaluated at every check). */
  criteria: StopCriterion[];
  /** U: a chunk closes as soon as the samples since the last check exceed U (chunk of U + 1 at batch 1). */
  updateInterval: number;
  /** Batch size b: chunks close only at batch boundaries, so they hold ⌈(U+1)/b⌉·b samples (default 1). */
  batchSize?: number;
  /**
   * Predictive stopping (not in the paper): fire as soon as the rule is predicted, with confidence z (Wilson lower
   * bound of the silent rate), to fire by the end of the epoch. Absent: only the rule as defined. `window` W (not
   * in the paper either): also project with the silent rate of the last W chunks of the epoch, not only with the
   * epoch's mean rate, so a network that goes silent as it trains is stopped sooner.
   */
  predictive?: { z: number; window?: number };
  /**
   * Constraint value of a stopped network: 'count' (the spec, count/total − p) or 'projected' (the silent fraction
   * it was heading for, max(count/total, count/counted, with a window also (count + r·(total − counted))/total,
   * r the last W chunks' rate) − p). Default 'count', or 'projected' with `predictive`.
   */
  constraint?: 'count' | 'projected';
}

/** Exp 1 as run (system.md §2 table, [log]): p 0.1, U 1000, total 48000, thresholds 5 (outpt) and 1 (inhib). */
export const EXP1_EARLY_STOPPING_AS_RUN: EarlyStoppingConfig = {
  updateInterval: 1000,
  criteria: [
    { layer: 'outpt', threshold: 5, proportion: 0.1, total: 48000 },
    { layer: 'inhib', threshold: 1, proportion: 0.1, total: 48000 },
  ],
};

/** Exp 1 as committed in the reference scripts ([code]): p 0.05, U 1200. */
export const EXP1_EARLY_STOPPING_COMMITTED: EarlyStoppingConfig = {
  updateInterval: 1200,
  criteria: [
    { layer: 'outpt', threshold: 5, proportion: 0.05, total: 48000 },
    { layer: 'inhib', threshold: 1, proportion: 0.05, total: 48000 },
  ],
};

/**
 * The rule an evaluation uses: an experiment's rule (`base`) with a study config's overrides. `scaled` (small
 * scales) replaces U and every total (the training-set size) unless the overrides give criteria of their own.
 * Returns null when the overrides are `false` (no rule, no constraints).
 */
export function resolveEarlyStopping(
  base: EarlyStoppingConfig,
  overrides: false | Partial<EarlyStoppingConfig>,
  scaled: { updateInterval: number; total: number } | null,
  batchSize?: number,
): EarlyStoppingConfig | null {
  if (overrides === false) return null;
  const given = overrides.criteria;
  const rule: EarlyStoppingConfig = {
    updateInterval: overrides.updateInterval ?? scaled?.updateInterval ?? base.updateInterval,
    criteria: (given ?? base.criteria).map((c) => ({ ...c, total: given || scaled === null ? c.total : scaled.total })),
  };
  if (batchSize !== undefined) rule.batchSize = batchSize;
  const predictive = overrides.predictive ?? base.predictive;
  const constraint = overrides.constraint ?? base.constraint;
  if (predictive !== undefined) rule.predictive = { ...predictive };
  if (constraint !== undefined) rule.constraint = constraint;
  return rule;
}

/** Where the rule fired. */
export interface StopPoint {
  /** 1-based epoch. */
  epoch: number;
  /** Samples processed in that epoch when the rule fired. */
  samples: number;
  /** Indices of the criteria that fired. */
  criteria: number[];
  /** True when the rule fired by prediction, before the count itself passed p·total. */
  predicted?: boolean;
}

/** What a watch-only rule saw (`silentRule: 'watch'`): where it would have stopped training, and its constraints. */
export interface WatchedRule {
  /** The rule that watched (thresholds, p, totals), so the histograms below can be read without the config. */
  criteria: StopCriterion[];
  wouldStopAt: StopPoint | null;
  constraints: number[];
  /**
   * Per monitored layer, how many training samples of the last epoch had k spikes (index k = 0..30; the last bin
   * counts 31 or more). Enough to tell what any other threshold would have flagged (threshold calibration).
   */
  spikeHistograms: Record<string, number[]>;
  /**
   * Every check of the last epoch, in order, including those after the point where the rule would have fired:
   * the samples processed in the epoch at that check, and the silent samples of the chunk it closed per criterion.
   * Enough to replay any rule on the same checks (when, not only whether, it would have fired). Absent in records
   * made before it existed.
   */
  checks?: WatchedCheck[];
}

/** One check seen by a watch-only rule: see {@link WatchedRule.checks}. */
export interface WatchedCheck {
  /** Samples processed in the epoch when the chunk closed. */
  samples: number;
  /** Silent samples of that chunk, one per criterion. */
  silent: number[];
}

/** Bins of {@link WatchedRule.spikeHistograms}: 0..30 spikes, then "31 or more". */
export const SPIKE_HISTOGRAM_BINS = 32;

/** One threshold tried on watched networks: how many the rule would have flagged, and the best of the others. */
export interface CalibrationRow {
  threshold: number;
  flagged: number;
  /** Best objective among the networks not flagged (null when none was measured). */
  bestAccepted: number | null;
}

/**
 * Threshold calibration from watch-mode evaluations: for each threshold, what the rule would have flagged if
 * criterion `index` used it (the other criteria, every p and total as the watching rule had them), judged on each
 * network's whole-epoch spike histograms (`count/total > p`, the full rule's test), and the best objective among
 * the networks it would have accepted.
 */
export function thresholdCalibration(
  networks: readonly { objective: number | null; watched: WatchedRule }[],
  index: number,
  thresholds: readonly number[],
  direction: 'maximize' | 'minimize' = 'maximize',
): CalibrationRow[] {
  return thresholds.map((threshold) => {
    if (!(Number.isInteger(threshold) && threshold >= 1 && threshold < SPIKE_HISTOGRAM_BINS)) {
      throw new RangeError(`threshold calibration: thresholds must be integers from 1 to ${SPIKE_HISTOGRAM_BINS - 1}, got ${threshold}`);
    }
    let flagged = 0;
    let bestAccepted: number | null = null;
    for (const { objective, watched } of networks) {
      if (index < 0 || index >= watched.criteria.length) throw new RangeError(`threshold calibration: no criterion ${index}`);
      const flags = watched.criteria.some((c, i) => {
        const t = i === index ? threshold : c.threshold;
        if (t >= SPIKE_HISTOGRAM_BINS) throw new RangeError(`threshold calibration: the histograms cannot judge threshold ${t} (at most ${SPIKE_HISTOGRAM_BINS - 1})`);
        const below = (watched.spikeHistograms[c.layer] ?? []).slice(0, t).reduce((a, b) => a + b, 0);
        return below / c.total > c.proportion;
      });
      if (flags) flagged++;
      else if (objective !== null && (bestAccepted === null || (direction === 'maximize' ? objective > bestAccepted : objective < bestAccepted))) bestAccepted = objective;
    }
    return { threshold, flagged, bestAccepted };
  });
}

/**
 * Where another rule would have fired on the epoch a watch-only rule logged (`watched.checks`), or null: same
 * chunks and thresholds (the counts were taken with them), any p, total and prediction. Used to choose z and the
 * window on real networks without training them again.
 */
export function replayWatched(watched: WatchedRule, rule: Pick<EarlyStoppingConfig, 'criteria' | 'predictive' | 'constraint'>): StopPoint | null {
  if (watched.checks === undefined) throw new RangeError('replay: this watched record has no checks (recorded before they were logged)');
  const same = rule.criteria.length === watched.criteria.length && rule.criteria.every((c, i) => c.layer === watched.criteria[i].layer && c.threshold === watched.criteria[i].threshold);
  if (!same) throw new RangeError('replay: the rule must have the watched criteria\'s layers and thresholds, in order');
  const es = new SpikeEarlyStopping({ ...rule, updateInterval: 0 });
  for (const check of watched.checks) if (es.checkCounts(check.silent, check.samples)) break;
  return es.stoppedAt;
}

/** What the rule reports about one evaluation, as the objectives record it. */
export interface RuleOutcome {
  /** Where the rule stopped training (null when it did not, or only watched). */
  stoppedAt: StopPoint | null;
  /** Watch-only rules: what they saw; null otherwise. */
  watched: WatchedRule | null;
  /** The constraints given to the optimizer (none for a watch-only rule). */
  constraints: number[];
}

/** Proportions p of the criteria that become constraints: none without a rule or when it only watches. */
export function constraintProportions(criteria: readonly StopCriterion[] | null, silentRule: 'stop' | 'watch'): number[] {
  return criteria === null || silentRule === 'watch' ? [] : criteria.map((c) => c.proportion);
}

/**
 * Wilson score lower bound of a binomial proportion k/n at z standard deviations (0 when n = 0). Used by the
 * predictive rule: it stays below k/n, and far below it when n is small.
 */
export function wilsonLowerBound(k: number, n: number, z: number): number {
  if (n <= 0) return 0;
  const phat = k / n;
  const z2n = (z * z) / n;
  const centre = phat + z2n / 2;
  const half = z * Math.sqrt((phat * (1 - phat)) / n + z2n / (4 * n));
  return Math.max(0, (centre - half) / (1 + z2n));
}

/** Checks a configuration, throwing a RangeError that names the bad field. */
export function validateEarlyStopping(config: EarlyStoppingConfig): void {
  const { updateInterval: u, batchSize: b = 1 } = config;
  if (!(Number.isInteger(u) && u >= 0)) throw new RangeError(`early stopping: updateInterval must be an integer ≥ 0, got ${u}`);
  if (!(Number.isInteger(b) && b >= 1)) throw new RangeError(`early stopping: batchSize must be an integer ≥ 1, got ${b}`);
  if (config.criteria.length === 0) throw new RangeError('early stopping: at least one criterion is needed');
  config.criteria.forEach((c, i) => {
    if (typeof c.layer !== 'string' || c.layer === '') throw new RangeError(`early stopping: criteria[${i}].layer must be a layer name`);
    if (!Number.isFinite(c.threshold)) throw new RangeError(`early stopping: criteria[${i}].threshold must be finite`);
    if (!Number.isFinite(c.proportion)) throw new RangeError(`early stopping: criteria[${i}].proportion must be finite`);
    if (!(Number.isFinite(c.total) && c.total > 0)) throw new RangeError(`early stopping: criteria[${i}].total must be > 0`);
  });
  if (config.predictive !== undefined && !(Number.isFinite(config.predictive.z) && config.predictive.z > 0)) {
    throw new RangeError(`early stopping: predictive.z must be a number > 0, got ${String(config.predictive.z)}`);
  }
  const w = config.predictive?.window;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1)) throw new RangeError(`early stopping: predictive.window must be an integer ≥ 1 (checks), got ${String(w)}`);
  if (config.constraint !== undefined && config.constraint !== 'count' && config.constraint !== 'projected') {
    throw new RangeError(`early stopping: constraint must be 'count' or 'projected', got ${String(config.constraint)}`);
  }
  if (config.predictive !== undefined && config.constraint === 'count') {
    throw new RangeError("early stopping: constraint 'count' cannot be used with predictive (a network stopped by prediction has not reached p·total yet, so its count would look feasible); use 'projected'");
  }
}

/**
 * The silent-network rule. Feed it either sample by sample ({@link feed} / {@link feedBatch}: it forms the chunks
 * itself, as the rule defines them) or chunk by chunk ({@link checkChunk}, or {@link chunkHook} as the `onChunk`
 * of `trainAndEvaluate`, which forms the same chunks for batch 1). Call {@link startEpoch} at every epoch start
 * (the hook does it when the reported epoch changes).
 */
export class SpikeEarlyStopping {
  readonly config: EarlyStoppingConfig;
  private readonly counts: number[];
  private readonly pending: number[];
  private sinceCheck = 0;
  private samplesInEpoch = 0;
  /** Samples of the closed chunks of this epoch (the denominator of the projected rate). */
  private counted = 0;
  private epochNo = 0;
  private stopPoint: StopPoint | null = null;
  private checksRun = 0;
  /** Watch only: per-sample spike totals of the current epoch, binned per monitored layer. */
  private readonly histograms = new Map<string, number[]>();
  /** Watch only: every check of the current epoch (the rule keeps counting after it would have fired). */
  private readonly checkLog: WatchedCheck[] = [];
  /** Watch only: the constraints at the point where the rule would have fired (what it would have reported). */
  private constraintsAtStop: number[] | null = null;
  /** Predictive window: (counted, counts) at the epoch start and at the last checks, the oldest first. */
  private readonly recent: { counted: number; counts: number[] }[] = [];
  /** Predictive window: each criterion's silent rate over the last `window` chunks at the last check (or null). */
  private recentRates: number[] | null = null;

  /** Watch only (`silentRule: 'watch'`): count and record where the rule fires, but never ask training to stop. */
  readonly watchOnly: boolean;

  constructor(config: EarlyStoppingConfig, options: { watchOnly?: boolean } = {}) {
    validateEarlyStopping(config);
    this.watchOnly = options.watchOnly ?? false;
    this.config = { ...config, criteria: config.criteria.map((c) => ({ ...c })) };
    this.counts = config.criteria.map(() => 0);
    this.pending = config.criteria.map(() => 0);
    if (this.watchOnly) for (const c of config.criteria) this.histograms.set(c.layer, new Array(SPIKE_HISTOGRAM_BINS).fill(0));
  }

  /** Current epoch (1-based; 0 before the first). */
  get epoch(): number {
    return this.epochNo;
  }

  /** True once the rule has fired (in watch-only mode: would have fired); it stays true. */
  get stopped(): boolean {
    return this.stopPoint !== null;
  }

  /** Where the rule fired, or null. */
  get stoppedAt(): StopPoint | null {
    return this.stopPoint === null ? null : { ...this.stopPoint, criteria: [...this.stopPoint.criteria] };
  }

  /** Checks (chunk closes) run so far, over all epochs. */
  get checks(): number {
    return this.checksRun;
  }

  /**
   * Silent samples counted per criterion in the current epoch (closed chunks only). A stopping rule stops counting
   * where it fires; a watch-only rule counts the whole epoch.
   */
  get silentCounts(): number[] {
    return [...this.counts];
  }

  /**
   * c_i = count_i/total_i − p_i, one per criterion, from the counts of the current (last run) epoch. With
   * `constraint: 'projected'` (or `predictive`), a stopped network reports max(count_i/total_i, count_i/counted) − p_i,
   * or, with a predictive window, the projection from the last W chunks' rate when that is higher.
   */
  constraints(): number[] {
    if (this.constraintsAtStop !== null) return [...this.constraintsAtStop];
    const projected = this.stopped && this.counted > 0 && (this.config.constraint ?? (this.config.predictive ? 'projected' : 'count')) === 'projected';
    return this.config.criteria.map((c, i) => {
      let silentFraction = this.counts[i] / c.total;
      if (projected) {
        silentFraction = Math.max(silentFraction, this.counts[i] / this.counted);
        const r = this.recentRates?.[i];
        if (r !== undefined) silentFraction = Math.max(silentFraction, (this.counts[i] + r * Math.max(0, c.total - this.counted)) / c.total);
      }
      return silentFraction - c.proportion;
    });
  }

  /** What the rule reports: its stop point and constraints, or (watch only) what it would have done. */
  outcome(): RuleOutcome {
    if (this.watchOnly) {
      const spikeHistograms = Object.fromEntries([...this.histograms].map(([layer, h]) => [layer, [...h]]));
      const criteria = this.config.criteria.map((c) => ({ ...c }));
      const checks = this.checkLog.map((c) => ({ samples: c.samples, silent: [...c.silent] }));
      return { stoppedAt: null, watched: { criteria, wouldStopAt: this.stoppedAt, constraints: this.constraints(), spikeHistograms, checks }, constraints: [] };
    }
    return { stoppedAt: this.stoppedAt, watched: null, constraints: this.constraints() };
  }

  /** Starts an epoch (default: the next one): counts restart at 0, a pending partial chunk is dropped. */
  startEpoch(epoch: number = this.epochNo + 1): void {
    this.epochNo = epoch;
    this.counts.fill(0);
    for (const h of this.histograms.values()) h.fill(0);
    this.checkLog.length = 0;
    this.recent.length = 0;
    this.recent.push({ counted: 0, counts: this.config.criteria.map(() => 0) });
    this.recentRates = null;
    this.dropPending();
    this.samplesInEpoch = 0;
    this.counted = 0;
  }

  /** Ends an epoch: the trailing partial chunk is discarded uncounted. */
  endEpoch(): void {
    this.dropPending();
  }

  /**
   * One sample's spike totals by layer (the layers of every criterion must be present). Returns true when this
   * sample closed a chunk and the rule fired (the caller breaks out of training). Only for batch size 1; use
   * {@link feedBatch} otherwise.
   */
  feed(totals: Readonly<Record<string, number>>): boolean {
    if ((this.config.batchSize ?? 1) !== 1) throw new Error('feed() is for batch size 1; use feedBatch()');
    return this.feedBatch([totals]);
  }

  /** One batch of samples (each: spike totals by layer); a chunk can close only after a whole batch. */
  feedBatch(samples: readonly Readonly<Record<string, number>>[]): boolean {
    if (this.epochNo === 0) this.startEpoch(1);
    for (const [layer, h] of this.histograms) for (const s of samples) if (typeof s[layer] === 'number') h[Math.min(s[layer], SPIKE_HISTOGRAM_BINS - 1)]++;
    if (this.stopped && !this.watchOnly) return true;
    for (const s of samples) {
      this.config.criteria.forEach((c, i) => {
        const v = s[c.layer];
        if (typeof v !== 'number') throw new RangeError(`early stopping: no spike total for layer '${c.layer}'`);
        if (v < c.threshold) this.pending[i]++;
      });
    }
    this.sinceCheck += samples.length;
    this.samplesInEpoch += samples.length;
    if (this.sinceCheck <= this.config.updateInterval) return false;
    return this.closeChunk() && !this.watchOnly;
  }

  /**
   * A whole chunk, as per-sample totals by layer (what `trainAndEvaluate` reports): counts its silent samples and
   * runs the stop check. `samplesInEpoch` (for {@link stoppedAt}) defaults to the running sum of chunk sizes.
   */
  checkChunk(layerTotals: Readonly<Record<string, ArrayLike<number>>>, samplesInEpoch?: number): boolean {
    if (this.epochNo === 0) this.startEpoch(1);
    for (const [layer, h] of this.histograms) {
      const arr = layerTotals[layer];
      if (arr !== undefined) for (let k = 0; k < arr.length; k++) h[Math.min(arr[k], SPIKE_HISTOGRAM_BINS - 1)]++;
    }
    if (this.stopped && !this.watchOnly) return true;
    let n = -1;
    const silent = this.config.criteria.map((c) => {
      const arr = layerTotals[c.layer];
      if (arr === undefined) throw new RangeError(`early stopping: no spike totals for layer '${c.layer}'`);
      if (n >= 0 && arr.length !== n) throw new RangeError('early stopping: layers report different chunk lengths');
      n = arr.length;
      let k = 0;
      for (let j = 0; j < arr.length; j++) if (arr[j] < c.threshold) k++;
      return k;
    });
    const size = Math.max(n, 0);
    return this.countChunk(silent, size, samplesInEpoch ?? this.samplesInEpoch + size);
  }

  /**
   * A chunk given by its silent samples per criterion (as {@link WatchedRule.checks} logs them), closing at
   * `samplesInEpoch`: counts them and runs the stop check. For replaying a logged epoch under another rule.
   */
  checkCounts(silent: readonly number[], samplesInEpoch: number): boolean {
    if (this.epochNo === 0) this.startEpoch(1);
    if (this.stopped && !this.watchOnly) return true;
    if (silent.length !== this.config.criteria.length) {
      throw new RangeError(`early stopping: ${silent.length} silent counts for ${this.config.criteria.length} criteria`);
    }
    return this.countChunk(silent, samplesInEpoch - this.samplesInEpoch, samplesInEpoch);
  }

  /** Closes a chunk of `size` samples with these silent counts, ending at `samplesInEpoch`; true if training stops. */
  private countChunk(silent: readonly number[], size: number, samplesInEpoch: number): boolean {
    this.dropPending();
    silent.forEach((k, i) => (this.pending[i] = k));
    this.sinceCheck = size;
    this.samplesInEpoch = samplesInEpoch;
    return this.closeChunk() && !this.watchOnly;
  }

  /** An `onChunk` hook for `trainAndEvaluate` (starts a new epoch when the reported epoch changes). */
  chunkHook(): (report: { epoch: number; samplesInEpoch: number; layerTotals: Record<string, Int32Array> }) => boolean {
    return (report) => {
      if (report.epoch !== this.epochNo) this.startEpoch(report.epoch);
      return this.checkChunk(report.layerTotals, report.samplesInEpoch);
    };
  }

  private closeChunk(): boolean {
    this.checksRun++;
    this.counted += this.sinceCheck;
    if (this.watchOnly) this.checkLog.push({ samples: this.samplesInEpoch, silent: [...this.pending] });
    this.pending.forEach((k, i) => (this.counts[i] += k));
    if (this.stopped) {
      // Watch only: it keeps counting past the point where it would have fired, which stays the first one.
      this.dropPending();
      return true;
    }
    const fired: number[] = [];
    let byCount = false;
    const z = this.config.predictive?.z;
    const window = this.windowRates(z);
    this.config.criteria.forEach((c, i) => {
      const k = this.counts[i];
      const rest = Math.max(0, c.total - this.counted);
      if (k / c.total > c.proportion) {
        fired.push(i);
        byCount = true;
      } else if (z !== undefined && k + Math.max(wilsonLowerBound(k, this.counted, z), window?.lower[i] ?? 0) * rest > c.proportion * c.total) {
        fired.push(i);
      }
    });
    this.dropPending();
    if (fired.length > 0) {
      this.stopPoint = { epoch: this.epochNo, samples: this.samplesInEpoch, criteria: fired };
      if (z !== undefined) this.stopPoint.predicted = !byCount;
      if (this.watchOnly) this.constraintsAtStop = this.constraints();
    }
    return fired.length > 0;
  }

  /**
   * Predictive window: records this check and returns, per criterion, the silent rate of the last `window` chunks
   * and its Wilson lower bound, once the epoch has that many chunks (null before, or without a window).
   */
  private windowRates(z: number | undefined): { lower: number[] } | null {
    const w = this.config.predictive?.window;
    if (w === undefined || z === undefined) return null;
    this.recent.push({ counted: this.counted, counts: [...this.counts] });
    if (this.recent.length <= w) return null;
    if (this.recent.length > w + 1) this.recent.shift();
    const base = this.recent[0];
    const n = this.counted - base.counted;
    const ks = this.counts.map((k, i) => k - base.counts[i]);
    this.recentRates = ks.map((k) => (n > 0 ? k / n : 0));
    return { lower: ks.map((k) => wilsonLowerBound(k, n, z)) };
  }

  private dropPending(): void {
    this.pending.fill(0);
    this.sinceCheck = 0;
  }
}

/** How a failed evaluation is scored (spec Q18). */
export type FailureConvention = 'default' | 'faithful';

/**
 * Objective and constraints of a failed evaluation (exception, out of memory, shapes that do not fit):
 * default: objective 0 and c_i = 1 − p_i (the largest value count/total − p can take when count ≤ total);
 * faithful (the reference): objective 0 and every c_i = 100.
 */
export function failureValues(
  proportions: readonly number[],
  convention: FailureConvention = 'default',
): { objective: number; constraints: number[] } {
  return {
    objective: 0,
    constraints: proportions.map((p) => (convention === 'faithful' ? 100 : 1 - p)),
  };
}
