/**
 * SCBO: scalable constrained Bayesian optimisation (Eriksson & Poloczek 2021) as an asynchronous ask/tell
 * optimizer (spec scbo.md §8 and §10). One trust region; a GP for the objective and one per constraint, refitted
 * at every batch; constrained Thompson sampling over Sobol candidates; restarts when the region collapses.
 */
import { Rng } from '../../util/rng.js';
import type { SearchSpace } from '../../space/space.js';
import { GaussianProcess, type GpHyperparameters, type OutputTransform, type PathwiseSamples } from '../gp/gp.js';
import { SobolEngine } from '../sobol.js';
import type { Observation, Optimizer, PendingPoint, Proposal, ProposalPhase } from '../types.js';
import {
  defaultCandidateCount,
  generateCandidates,
  perturbationProbability,
  trustRegionBox,
} from './candidates.js';
import { scboSettings, type ScboPreset, type ScboSettings } from './settings.js';
import { selectConstrainedThompson } from './thompson.js';
import { refinePick } from './refine.js';
import {
  TrustRegion,
  defaultFailureTolerance,
  isBetter,
  isFeasible,
  type ScoredResult,
  type TrustRegionSnapshot,
} from './trust-region.js';

/** One evaluated point held by the optimizer. */
interface DataPoint extends ScoredResult {
  id: number;
  /** encode(decode(u)): the GP trains on the configuration actually evaluated (scbo.md §2). */
  x: Float64Array;
  /** Restart count when the point was proposed. */
  epoch: number;
}

export interface ScboOptions extends Partial<ScboSettings> {
  batchSize: number;
  initialSize: number;
  /** Number of constraints m (0 for unconstrained problems); learnt from the first successful result if omitted. */
  constraintCount?: number;
  seed: number;
  preset?: ScboPreset;
}

/** What one SCBO batch fitted, kept for logging and for warm starts. */
export interface ScboModelInfo {
  modelId: number;
  /** Null when no point had a measured objective yet (the batch was chosen by the constraint models alone). */
  objective: GpHyperparameters | null;
  constraints: GpHyperparameters[];
  trainingPoints: number;
  /** Points the objective GP learnt from: those with a measured objective, plus imputed failures (spec Q15). */
  objectivePoints: number;
  fitSeconds: number;
  selectSeconds: number;
}

/** A snapshot of the optimizer's state, recorded with each batch. */
export interface ScboState {
  restartCount: number;
  trustRegion: TrustRegionSnapshot | null;
  dataCount: number;
  designQueued: number;
  lastModel: ScboModelInfo | null;
}

export class Scbo implements Optimizer {
  readonly name = 'scbo';
  readonly settings: ScboSettings;
  readonly dimension: number;
  private constraintCountKnown: number | undefined;
  private readonly rng: Rng;
  private regionState: TrustRegion | null = null;
  private readonly data: DataPoint[] = [];
  private readonly proposalEpoch = new Map<number, number>();
  private nextId = 0;
  private batchId = 0;
  private restartCount = 0;
  /** The region's incumbent has been set (default rule: from all data once the design is in). */
  private regionInitialized = false;
  /** Random design points still to hand out, with the phase to tag them with. */
  private designQueue: Float64Array[] = [];
  private designPhase: ProposalPhase = 'init';
  private lastModel: ScboModelInfo | null = null;
  private warmObjective: GpHyperparameters | undefined;
  private warmConstraints: (GpHyperparameters | undefined)[];
  /** Training-set sizes of the last hyperparameter fits (setting refitGrowth). */
  private objectiveFittedAt = 0;
  private constraintsFittedAt: number[] = [];

  constructor(
    readonly space: SearchSpace,
    options: ScboOptions,
  ) {
    this.settings = scboSettings(options.preset ?? 'default', options);
    this.dimension = space.dimension;
    this.rng = new Rng(`scbo:${options.seed}`);
    this.warmConstraints = [];
    if (options.constraintCount !== undefined) this.setConstraintCount(options.constraintCount);
    this.queueDesign('init');
  }

  /** Number of constraints m (0 until known when it was not given). */
  get constraintCount(): number {
    return this.constraintCountKnown ?? 0;
  }

  private setConstraintCount(m: number): void {
    const s = this.settings;
    this.constraintCountKnown = m;
    this.warmConstraints = new Array(m).fill(undefined);
    this.constraintsFittedAt = new Array(m).fill(0);
    this.regionState = new TrustRegion(
      {
        lengthInit: s.lengthInit,
        lengthMin: s.lengthMin,
        lengthMax: s.lengthMax,
        successTolerance: s.successTolerance,
        failureTolerance: s.failureTolerance ?? defaultFailureTolerance(this.dimension, s.batchSize),
        rule: s.trustRegionRule,
      },
      m,
    );
  }

  /** The trust region; created once the number of constraints is known. */
  private get region(): TrustRegion {
    if (!this.regionState) throw new Error('SCBO: the trust region is used before the number of constraints is known');
    return this.regionState;
  }

  /** Current state, for logs and progress displays. */
  state(): ScboState {
    return {
      restartCount: this.restartCount,
      trustRegion: this.regionState?.snapshot() ?? null,
      dataCount: this.data.length,
      designQueued: this.designQueue.length,
      lastModel: this.lastModel,
    };
  }

  tell(results: Observation[]): void {
    if (results.length === 0) return;
    if (this.constraintCountKnown === undefined) {
      const first = results.find((r) => r.constraints !== null && (r.objective !== null || r.constraints.length > 0));
      if (!first) {
        this.data.push(...results.map((r) => this.toDataPoint(r)));
        return;
      }
      this.setConstraintCount(first.constraints!.length);
    }
    const faithful = this.settings.trustRegionRule === 'faithful';
    if (faithful && this.region.restartTriggered) {
      // The reference resets on the call after the trigger and drops that call's results (quirk Q7).
      this.restart();
      return;
    }
    const received: DataPoint[] = results.map((r) => this.toDataPoint(r));
    this.data.push(...received);
    this.applyBeam();

    const regionData = this.regionData();
    if (regionData.length < this.settings.initialSize) return; // still gathering the design: no update
    if (!this.regionInitialized) {
      this.regionInitialized = true;
      if (!faithful) {
        this.initIncumbent(regionData);
        return; // the design's results are the baseline, not a success or failure
      }
    }
    const counted = this.settings.staleResultsUpdateRegion
      ? received
      : received.filter((p) => p.epoch === this.restartCount);
    if (counted.length > 0) this.region.update(counted);
    if (!faithful && this.region.restartTriggered) this.restart();
  }

  ask(count: number, pending: PendingPoint[] = []): Proposal[] {
    if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`ask: count must be a non-negative integer, got ${count}`);
    const batchId = ++this.batchId;
    const out: Proposal[] = [];
    while (out.length < count && this.designQueue.length > 0) {
      out.push(this.propose(this.designQueue.shift()!, this.designPhase, batchId));
    }
    if (out.length === count) return out;

    const regionData = this.regionData();
    // Points whose constraints were measured (objective measured or not); failed ones only carry imputed values.
    const usable = regionData.filter((p) => p.constraints !== null);
    if (regionData.length < this.settings.initialSize || usable.length === 0) {
      while (out.length < count) out.push(this.propose(this.space.sampleUnit(this.rng), 'add-init', batchId));
      return out;
    }
    const allPending = [...pending, ...out.map((p) => ({ id: p.id, u: p.u }))];
    const picked = this.thompsonBatch(count - out.length, regionData, allPending);
    if (picked === null) {
      while (out.length < count) out.push(this.propose(this.space.sampleUnit(this.rng), 'failed-fit', batchId));
      return out;
    }
    for (const u of picked) out.push(this.propose(u, 'scbo', batchId));
    // Every candidate excluded (tiny discrete space saturated by running points): fall back to random points.
    while (out.length < count) out.push(this.propose(this.space.sampleUnit(this.rng), 'add-init', batchId));
    return out;
  }

  private propose(u: Float64Array, phase: ProposalPhase, batchId: number): Proposal {
    const id = this.nextId++;
    this.proposalEpoch.set(id, this.restartCount);
    const snapshot = this.regionState ?? { length: this.settings.lengthInit, successCount: 0, failureCount: 0 };
    return {
      id,
      u,
      params: this.space.decode(u),
      info: {
        phase,
        batchId,
        trustRegionLength: snapshot.length,
        successCount: snapshot.successCount,
        failureCount: snapshot.failureCount,
        restartCount: this.restartCount,
        modelId: phase === 'scbo' ? this.lastModel?.modelId : undefined,
      },
    };
  }

  private toDataPoint(r: Observation): DataPoint {
    if (r.u.length !== this.dimension) {
      throw new RangeError(`tell: observation ${r.id} has ${r.u.length} coordinates, expected ${this.dimension}`);
    }
    if (r.constraints !== null && this.constraintCountKnown !== undefined && r.constraints.length !== this.constraintCount) {
      throw new RangeError(
        `tell: observation ${r.id} has ${r.constraints.length} constraint values, expected ${this.constraintCount}`,
      );
    }
    // Non-finite values cannot train a GP: such an evaluation counts as failed (imputed, see trainingSet). An
    // objective that is null or NaN next to finite constraints was not measured (spec Q15, validateStopped: skip):
    // the point trains the constraint GPs only. Without constraints there is nothing measured: failed.
    const constraintsOk = r.constraints !== null && r.constraints.every(Number.isFinite);
    const unmeasured = constraintsOk && r.constraints!.length > 0 && (r.objective === null || Number.isNaN(r.objective));
    const failed = !constraintsOk || (!unmeasured && !Number.isFinite(r.objective));
    if (r.id >= this.nextId) this.nextId = r.id + 1;
    return {
      id: r.id,
      x: this.space.canonical(r.u),
      objective: failed || unmeasured ? null : r.objective,
      constraints: failed ? null : [...r.constraints!],
      epoch: this.proposalEpoch.get(r.id) ?? this.restartCount,
    };
  }

  /** The data the GPs and the region see: all of it, or (restartData 'discard') only what came since the restart. */
  private regionData(): DataPoint[] {
    if (this.settings.restartData === 'keep') return this.data;
    return this.data.filter((p) => p.epoch === this.restartCount);
  }

  private initIncumbent(points: DataPoint[]): void {
    let best: DataPoint | null = null;
    for (const p of points) if (isBetter(p, best)) best = p;
    // An unmeasured best point (only when no feasible point has a measured objective) sets the violation to beat.
    if (best && best.constraints !== null) this.region.setIncumbent(best.objective ?? -Infinity, best.constraints);
  }

  private restart(): void {
    this.restartCount += 1;
    this.region.reset();
    this.regionInitialized = false;
    if (this.settings.trustRegionRule !== 'faithful') {
      const regionData = this.regionData();
      if (regionData.length >= this.settings.initialSize) {
        this.initIncumbent(regionData);
        this.regionInitialized = true;
      }
    }
    this.queueDesign('restart-init');
  }

  private queueDesign(phase: ProposalPhase): void {
    this.designPhase = phase;
    const n = this.settings.initialSize;
    if (this.settings.initialDesign === 'sobol') {
      const points = new SobolEngine(this.dimension, { scramble: true, rng: this.rng }).draw(n);
      this.designQueue = [];
      for (let i = 0; i < n; i++) this.designQueue.push(this.space.canonical(points.subarray(i * this.dimension, (i + 1) * this.dimension)));
    } else {
      this.designQueue = Array.from({ length: n }, () => this.space.sampleUnit(this.rng));
    }
  }

  /** Keeps at most `beam` training points: best feasible by objective first, then least violating. */
  private applyBeam(): void {
    if (this.data.length <= this.settings.beam) return;
    const sorted = [...this.data].sort((a, b) => (isBetter(a, b) ? -1 : isBetter(b, a) ? 1 : 0));
    const keep = new Set(sorted.slice(0, this.settings.beam));
    for (let i = this.data.length - 1; i >= 0; i--) if (!keep.has(this.data[i])) this.data.splice(i, 1);
  }

  /** Fits the GPs and picks `count` points by constrained Thompson sampling; null when the objective fit fails. */
  private thompsonBatch(count: number, points: DataPoint[], pending: PendingPoint[]): Float64Array[] | null {
    const s = this.settings;
    const d = this.dimension;
    const t0 = performance.now();
    const { X, n, C, Xo, yo, no } = trainingSet(points, this.constraintCount);

    // The objective GP learns from the points with a measured objective (failed ones imputed); with none yet (every
    // point so far unmeasured or failed), the constraint GPs alone choose: least violation, then any feasible one.
    let objectiveGp: GaussianProcess | null = null;
    if (no > 0) {
      objectiveGp = this.reuseHyperparameters(this.objectiveFittedAt, no, this.warmObjective, Xo, yo, s.objectiveTransform);
      if (objectiveGp === null) {
        try {
          objectiveGp = GaussianProcess.fit(Xo, no, d, yo, {
            transform: s.objectiveTransform,
            warmStart: this.warmObjective,
            maxIterations: s.fitIterations,
            rng: this.rng,
          });
        } catch {
          return null; // phase failed-fit: random points instead (reference behaviour)
        }
        this.objectiveFittedAt = no;
      }
      this.warmObjective = objectiveGp.hyper;
    }
    const constraintGps: GaussianProcess[] = [];
    for (let j = 0; j < this.constraintCount; j++) {
      constraintGps.push(this.fitConstraint(j, X, n, C[j], objectiveGp?.hyper ?? null));
    }
    const t1 = performance.now();

    // Trust region around the centre, candidates inside it.
    const centre = this.centre(points);
    const lengthscales = (objectiveGp ?? constraintGps[0])?.hyper.lengthscales;
    const box = trustRegionBox(centre, this.region.length, s.trustRegionShape, lengthscales);
    const m = s.candidates ?? defaultCandidateCount(d);
    const candidates = generateCandidates(centre, box, m, this.rng, s.perturbationProbability ?? perturbationProbability(d));

    // Running points: never propose them again; with the believer, condition every GP on them.
    const excluded = new Uint8Array(m);
    let objectiveModel = objectiveGp;
    let constraintModels = constraintGps;
    if (objectiveModel === null && constraintModels.length === 0) return null;
    if (s.pendingStrategy !== 'ignore' && pending.length > 0) {
      markDuplicates(candidates, m, d, pending, s.duplicateDistance, excluded, this.space);
      if (s.pendingStrategy === 'believer') {
        const P = new Float64Array(pending.length * d);
        pending.forEach((p, i) => P.set(this.space.canonical(p.u), i * d));
        objectiveModel = objectiveGp?.withPseudoObservations(P, pending.length) ?? null;
        constraintModels = constraintGps.map((g) => g.withPseudoObservations(P, pending.length));
      }
    }
    const method = s.sampler === 'auto' ? (m <= 500 ? 'exact' : 'pathwise') : s.sampler;
    const sampleOptions = { method, features: s.features } as const;
    // Refinement needs the sample paths as functions (pathwise) and a continuous space (a moved point of a
    // discrete space could decode to a configuration already taken).
    const refine = s.refineIterations > 0 && method === 'pathwise' && this.space.isContinuous();
    // Until a feasible point is observed, the constraints may be judged by their posterior mean instead of a
    // Thompson sample (feasibilitySearch 'mean'): the objective is still sampled.
    const byMean = s.feasibilitySearch === 'mean' && !points.some(feasibleMeasured);
    let objectivePaths: PathwiseSamples | null = null;
    const constraintPaths: PathwiseSamples[] = [];
    let objectiveSamples: Float64Array;
    let constraintSamples: Float64Array[];
    if (refine) {
      const o = objectiveModel?.samplePaths(candidates, m, count, this.rng, sampleOptions) ?? null;
      objectiveSamples = o?.values ?? new Float64Array(m * count);
      objectivePaths = o?.paths ?? null;
      constraintSamples = constraintModels.map((g) => {
        if (byMean) {
          constraintPaths.push(g.meanPaths(count));
          return repeatMean(g, candidates, m, count);
        }
        const c = g.samplePaths(candidates, m, count, this.rng, sampleOptions);
        constraintPaths.push(c.paths!);
        return c.values;
      });
    } else if (byMean) {
      objectiveSamples = objectiveModel?.sampleJoint(candidates, m, count, this.rng, sampleOptions) ?? new Float64Array(m * count);
      constraintSamples = constraintModels.map((g) => repeatMean(g, candidates, m, count));
    } else {
      objectiveSamples = objectiveModel?.sampleJoint(candidates, m, count, this.rng, sampleOptions) ?? new Float64Array(m * count);
      constraintSamples = constraintModels.map((g) => g.sampleJoint(candidates, m, count, this.rng, sampleOptions));
    }
    // Cautious feasibility: a candidate the constraint models predict infeasible (posterior mean > 0) is not
    // feasible in any sample, so Thompson sampling explores only where feasibility is at least even odds.
    if (s.cautiousFeasibility && !byMean) {
      constraintModels.forEach((g, j) => {
        const mean = g.predictMean(candidates, m);
        const cs = constraintSamples[j];
        for (let q = 0; q < count; q++) {
          for (let i = 0; i < m; i++) if (mean[i] > 0 && cs[q * m + i] < mean[i]) cs[q * m + i] = mean[i];
        }
      });
    }
    const chosen = selectConstrainedThompson({
      objective: objectiveSamples,
      constraints: constraintSamples,
      m,
      samples: count,
      rule: s.thompsonRule,
      excluded,
      groups: this.space.isContinuous() ? undefined : duplicateGroups(candidates, m, d, this.space),
    });
    const picks: Float64Array[] = chosen.map((i) => candidates.slice(i * d, (i + 1) * d));
    if (refine) {
      const problem = { objective: objectivePaths, constraints: constraintPaths, lower: box.lower, upper: box.upper, iterations: s.refineIterations };
      const pendingX = s.pendingStrategy === 'ignore' ? [] : pending.map((p) => this.space.canonical(p.u));
      for (let k = 0; k < picks.length; k++) {
        const r = refinePick(problem, k, picks[k]);
        if (!r.improved) continue;
        // A refined point must stay distinct from the batch's other picks and from the running points.
        const others = [...picks.filter((_, j) => j !== k), ...pendingX];
        if (others.every((o) => linf(o, r.x) > s.duplicateDistance)) picks[k] = r.x;
      }
    }
    const t2 = performance.now();
    this.lastModel = {
      modelId: (this.lastModel?.modelId ?? 0) + 1,
      objective: objectiveGp?.hyper ?? null,
      constraints: constraintGps.map((g) => g.hyper),
      trainingPoints: n,
      objectivePoints: objectiveGp === null ? 0 : no,
      fitSeconds: (t1 - t0) / 1000,
      selectSeconds: (t2 - t1) / 1000,
    };
    return picks;
  }

  /**
   * The GP on (X, y) with the hyperparameters last fitted on `fittedAt` points, while the training set has grown
   * by less than `refitGrowth` since then (never when it shrank, as after a restart); null when a fit is due or
   * the reused hyperparameters cannot factorise the new data.
   */
  private reuseHyperparameters(
    fittedAt: number,
    n: number,
    previous: GpHyperparameters | undefined,
    X: Float64Array,
    y: Float64Array,
    transform: OutputTransform,
  ): GaussianProcess | null {
    const growth = this.settings.refitGrowth;
    if (growth <= 0 || previous === undefined || fittedAt === 0 || n < fittedAt || n >= fittedAt * (1 + growth)) return null;
    try {
      return GaussianProcess.withHyperparameters(X, n, this.dimension, y, previous, transform);
    } catch {
      return null;
    }
  }

  private fitConstraint(j: number, X: Float64Array, n: number, c: Float64Array, objectiveHyper: GpHyperparameters | null): GaussianProcess {
    const s = this.settings;
    const transform = s.constraintTransform;
    let gp = this.reuseHyperparameters(this.constraintsFittedAt[j], n, this.warmConstraints[j], X, c, transform);
    if (gp === null) {
      try {
        gp = GaussianProcess.fit(X, n, this.dimension, c, {
          transform,
          warmStart: this.warmConstraints[j],
          maxIterations: s.fitIterations,
          rng: this.rng,
        });
        this.constraintsFittedAt[j] = n;
      } catch (err) {
        // The reference keeps the previous constraint model when a fit fails.
        const previous = this.warmConstraints[j];
        if (!previous) throw err;
        gp = GaussianProcess.withHyperparameters(X, n, this.dimension, c, previous, transform);
      }
    }
    this.warmConstraints[j] = gp.hyper;
    if (!s.sharedKernel || objectiveHyper === null) return gp;
    // Paper quirk Q3: one kernel object for all GPs, so every constraint uses the objective's kernel.
    return GaussianProcess.withHyperparameters(
      X,
      n,
      this.dimension,
      c,
      { ...gp.hyper, lengthscales: objectiveHyper.lengthscales, outputscale: objectiveHyper.outputscale },
      transform,
    );
  }

  /** Centre of the region: best point by the feasibility order, or the paper's highest objective (Q4). */
  private centre(points: DataPoint[]): Float64Array {
    let best: DataPoint | null = null;
    if (this.settings.centre === 'max-objective') {
      for (const p of points) if (p.objective !== null && (best === null || p.objective > best.objective!)) best = p;
    }
    // Default rule; also the paper's when no objective was measured yet (unmeasured or failed points only).
    if (best === null) for (const p of points) if (isBetter(p, best)) best = p;
    return (best ?? points[0]).x;
  }
}

/**
 * Training arrays. Failed evaluations stay in the data (so the GPs learn to avoid them) with pessimistic
 * imputed values: the worst measured objective and the largest value of each constraint among the other points.
 * Points with an unmeasured objective (constraints only, spec Q15) train the constraint GPs (X, C) but not the
 * objective GP (Xo, yo); failed points enter the objective's data only once some objective was measured.
 */
function trainingSet(
  points: DataPoint[],
  m: number,
): { X: Float64Array; n: number; C: Float64Array[]; Xo: Float64Array; yo: Float64Array; no: number } {
  const n = points.length;
  const d = points[0].x.length;
  const X = new Float64Array(n * d);
  const C = Array.from({ length: m }, () => new Float64Array(n));
  let worst = Infinity;
  let measured = 0;
  const largest = new Array<number>(m).fill(-Infinity);
  for (const p of points) {
    if (p.constraints === null) continue;
    for (let j = 0; j < m; j++) largest[j] = Math.max(largest[j], p.constraints[j]);
    if (p.objective === null) continue;
    worst = Math.min(worst, p.objective);
    measured++;
  }
  const inObjective = (p: DataPoint) => p.objective !== null || (p.constraints === null && measured > 0);
  const no = points.reduce((k, p) => k + (inObjective(p) ? 1 : 0), 0);
  const Xo = new Float64Array(no * d);
  const yo = new Float64Array(no);
  let k = 0;
  points.forEach((p, i) => {
    X.set(p.x, i * d);
    for (let j = 0; j < m; j++) C[j][i] = p.constraints !== null ? p.constraints[j] : Math.max(largest[j], 0);
    if (inObjective(p)) {
      Xo.set(p.x, k * d);
      yo[k++] = p.objective ?? worst;
    }
  });
  return { X, n, C, Xo, yo, no };
}

/** Feasible with a measured objective. */
function feasibleMeasured(p: DataPoint): boolean {
  return p.objective !== null && p.constraints !== null && isFeasible(p.constraints);
}

/** The posterior mean over the candidates, once per sample (sample-major, like sampleJoint). */
function repeatMean(g: GaussianProcess, candidates: Float64Array, m: number, count: number): Float64Array {
  const mean = g.predictMean(candidates, m);
  const out = new Float64Array(m * count);
  for (let q = 0; q < count; q++) out.set(mean, q * m);
  return out;
}

function linf(a: Float64Array, b: Float64Array): number {
  let dist = 0;
  for (let k = 0; k < a.length; k++) dist = Math.max(dist, Math.abs(a[k] - b[k]));
  return dist;
}

/** Excludes candidates within L∞ distance δ of a running point or decoding to the same configuration. */
function markDuplicates(
  candidates: Float64Array,
  m: number,
  d: number,
  pending: PendingPoint[],
  delta: number,
  excluded: Uint8Array,
  space: SearchSpace,
): void {
  const pendingX = pending.map((p) => space.canonical(p.u));
  const pendingKeys = space.isContinuous() ? null : new Set(pending.map((p) => space.key(space.decode(p.u))));
  for (let i = 0; i < m; i++) {
    const row = i * d;
    for (const px of pendingX) {
      let dist = 0;
      for (let k = 0; k < d && dist <= delta; k++) dist = Math.max(dist, Math.abs(candidates[row + k] - px[k]));
      if (dist <= delta) {
        excluded[i] = 1;
        break;
      }
    }
    if (!excluded[i] && pendingKeys && pendingKeys.has(space.key(space.decode(candidates.subarray(row, row + d))))) {
      excluded[i] = 1;
    }
  }
}

/** Group ids of candidates by decoded configuration (for spaces with integer or categorical parameters). */
function duplicateGroups(candidates: Float64Array, m: number, d: number, space: SearchSpace): Int32Array {
  const ids = new Map<string, number>();
  const groups = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const key = space.key(space.decode(candidates.subarray(i * d, (i + 1) * d)));
    let g = ids.get(key);
    if (g === undefined) {
      g = ids.size;
      ids.set(key, g);
    }
    groups[i] = g;
  }
  return groups;
}
