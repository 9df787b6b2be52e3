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

/** Where the rule fired. */
export interface StopPoint {
  /** 1-based epoch. */
  epoch: number;
  /** Samples processed in that epoch when the rule fired. */
  samples: number;
  /** Indices of the criteria that fired. */
  criteria: number[];
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
  private epochNo = 0;
  private stopPoint: StopPoint | null = null;
  private checksRun = 0;

  constructor(config: EarlyStoppingConfig) {
    validateEarlyStopping(config);
    this.config = { ...config, criteria: config.criteria.map((c) => ({ ...c })) };
    this.counts = config.criteria.map(() => 0);
    this.pending = config.criteria.map(() => 0);
  }

  /** Current epoch (1-based; 0 before the first). */
  get epoch(): number {
    return this.epochNo;
  }

  /** True once the rule has fired; it stays true. */
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

  /** Silent samples counted per criterion in the current epoch (closed chunks only). */
  get silentCounts(): number[] {
    return [...this.counts];
  }

  /** c_i = count_i/total_i − p_i, one per criterion, from the counts of the current (last run) epoch. */
  constraints(): number[] {
    return this.config.criteria.map((c, i) => this.counts[i] / c.total - c.proportion);
  }

  /** Starts an epoch (default: the next one): counts restart at 0, a pending partial chunk is dropped. */
  startEpoch(epoch: number = this.epochNo + 1): void {
    this.epochNo = epoch;
    this.counts.fill(0);
    this.dropPending();
    this.samplesInEpoch = 0;
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
    if (this.stopped) return true;
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
    return this.closeChunk();
  }

  /**
   * A whole chunk, as per-sample totals by layer (what `trainAndEvaluate` reports): counts its silent samples and
   * runs the stop check. `samplesInEpoch` (for {@link stoppedAt}) defaults to the running sum of chunk sizes.
   */
  checkChunk(layerTotals: Readonly<Record<string, ArrayLike<number>>>, samplesInEpoch?: number): boolean {
    if (this.epochNo === 0) this.startEpoch(1);
    if (this.stopped) return true;
    this.dropPending();
    let n = -1;
    this.config.criteria.forEach((c, i) => {
      const arr = layerTotals[c.layer];
      if (arr === undefined) throw new RangeError(`early stopping: no spike totals for layer '${c.layer}'`);
      if (n >= 0 && arr.length !== n) throw new RangeError('early stopping: layers report different chunk lengths');
      n = arr.length;
      for (let k = 0; k < arr.length; k++) if (arr[k] < c.threshold) this.pending[i]++;
    });
    this.samplesInEpoch = samplesInEpoch ?? this.samplesInEpoch + Math.max(n, 0);
    return this.closeChunk();
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
    const fired: number[] = [];
    this.config.criteria.forEach((c, i) => {
      this.counts[i] += this.pending[i];
      if (this.counts[i] / c.total > c.proportion) fired.push(i);
    });
    this.dropPending();
    if (fired.length > 0) this.stopPoint = { epoch: this.epochNo, samples: this.samplesInEpoch, criteria: fired };
    return fired.length > 0;
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
