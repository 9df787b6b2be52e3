/**
 * Dense connection (BindsNET `Connection`) with optional learning rule, weight bounds, weight decay and column
 * normalisation (spec snn-models.md A2), computed event by event:
 * - propagation adds the weight rows of the pre-synaptic neurons that spiked (wasm SIMD kernel);
 * - learning visits only the entries a rule can change and clamps those; BindsNET clamps the whole matrix at
 *   every learning step, which differs only for entries pushed out of bounds by the normalisation, so the whole
 *   matrix is clamped once at the first learning step after each normalisation;
 * - the normalisation at the end of a sample computes the column factors at once but defers the scaling to
 *   the next time the weights are needed: the first learning step of the next sample (where scaling and the
 *   full clamp become one pass when that step changes nothing, the usual case since all traces start at 0) or
 *   the first propagation of a non-learning sample. That pass also yields the column sums of the scaled matrix;
 *   as learning only changes the columns of post-synaptic neurons with a non-zero trace, the next
 *   normalisation re-sums just those columns. One pass over the matrix per sample instead of BindsNET's
 *   several per step, with the values of the eager computation.
 */
import { pad4, type KernelContext, type SnnKernels, type Slot } from '../../kernels/snn-kernels.js';
import type { Rng } from '../../util/rng.js';
import type { Layer } from '../layers/layer.js';
import type { LearningRule, Synapses } from '../learning/rule.js';
import { connectionName, type Connection } from './connection.js';

/** How a {@link DenseConnection} gets its initial weights. */
export type DenseInit =
  | { kind: 'uniform'; low?: number; high?: number; rng: Rng }
  | { kind: 'values'; values: ArrayLike<number> }
  | { kind: 'function'; fn: (i: number, j: number) => number };

/** Options of a {@link DenseConnection}. */
export interface DenseOptions {
  name?: string;
  init: DenseInit;
  /** Lower weight bound (default −Infinity). */
  wmin?: number;
  /** Upper weight bound (default +Infinity). */
  wmax?: number;
  /** Target column sum Σ_i |W[i,j]| after every sample (null/undefined: no normalisation). */
  norm?: number | null;
  /** Learning rule (none: static weights, never clamped — BindsNET's NoOp). */
  rule?: LearningRule | null;
  /** Weight decay per learning step: W ← W·(1 − weightDecay) after the rule (0 in the paper). */
  weightDecay?: number;
}

/** A dense weight matrix W[nPre × nPost] stored row-major by pre-synaptic neuron, rows padded to a multiple of 4. */
export class DenseConnection implements Connection, Synapses {
  readonly name: string;
  readonly source: Layer;
  readonly target: Layer;
  readonly stride: number;
  readonly wmin: number;
  readonly wmax: number;
  readonly norm: number | null;
  readonly rule: LearningRule | null;
  readonly weightDecay: number;
  readonly learns: boolean;
  readonly parameterCount: number;
  w!: Float32Array;

  private readonly kernels: SnnKernels;
  private readonly init: DenseInit;
  private readonly slots: {
    w: Slot<Float32Array>;
    sums: Slot<Float32Array> | null;
    factor: Slot<Float32Array> | null;
    scratch: Slot<Float32Array>;
    one: Slot<Int32Array>;
  };
  /** Column sums Σ_i |W[i,j]| of the current weights, exact except for the columns listed in `dirty`. */
  private sums: Float32Array | null = null;
  private factor: Float32Array | null = null;
  private sumsValid = false;
  private readonly dirtyFlag: Uint8Array;
  private readonly dirty: Int32Array;
  private dirtyCount = 0;
  private scratch!: Float32Array;
  private one!: Int32Array;
  private readonly bounded: boolean;
  /** Column factors computed at the last normalisation and not yet applied. */
  private pendingScale = false;
  /** The whole matrix must be clamped at the next learning step (a normalisation happened since). */
  private needsFullClamp = false;

  constructor(source: Layer, target: Layer, ctx: KernelContext, options: DenseOptions) {
    this.name = options.name ?? connectionName(source, target);
    this.source = source;
    this.target = target;
    this.stride = pad4(target.n);
    this.wmin = options.wmin === undefined ? -Infinity : Math.fround(options.wmin);
    this.wmax = options.wmax === undefined ? Infinity : Math.fround(options.wmax);
    if (!(this.wmin <= this.wmax)) throw new RangeError(`${this.name}: wmin ${this.wmin} > wmax ${this.wmax}`);
    this.norm = options.norm ?? null;
    if (this.norm !== null && !(this.norm > 0)) throw new RangeError(`${this.name}: norm must be > 0, got ${this.norm}`);
    this.rule = options.rule ?? null;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0 && this.weightDecay < 1)) throw new RangeError(`${this.name}: weightDecay must be in [0, 1)`);
    this.learns = this.rule !== null;
    this.bounded = this.wmin !== -Infinity || this.wmax !== Infinity;
    this.parameterCount = source.n * target.n;
    this.kernels = ctx.kernels;
    this.init = options.init;
    this.dirtyFlag = new Uint8Array(this.norm !== null ? target.n : 0);
    this.dirty = new Int32Array(this.norm !== null ? target.n : 0);
    this.slots = {
      w: ctx.f32(source.n * this.stride),
      sums: this.norm !== null ? ctx.f32(this.stride) : null,
      factor: this.norm !== null ? ctx.f32(this.stride) : null,
      scratch: ctx.f32(this.stride),
      one: ctx.i32(4),
    };
  }

  bind(): void {
    this.w = this.slots.w.view();
    this.sums = this.slots.sums ? this.slots.sums.view() : null;
    this.factor = this.slots.factor ? this.slots.factor.view() : null;
    this.scratch = this.slots.scratch.view();
    this.one = this.slots.one.view();
    const { w, stride } = this;
    const nPre = this.source.n;
    const nPost = this.target.n;
    const init = this.init;
    if (init.kind === 'uniform') {
      const lo = init.low ?? 0;
      const hi = init.high ?? 1;
      // Row-major draw order (i, then j), like torch.rand(n_pre, n_post) fills its storage.
      for (let i = 0; i < nPre; i++) for (let j = 0; j < nPost; j++) w[i * stride + j] = lo + (hi - lo) * init.rng.random();
    } else if (init.kind === 'values') {
      if (init.values.length !== nPre * nPost) {
        throw new RangeError(`${this.name}: ${init.values.length} initial weights given, expected ${nPre}×${nPost}`);
      }
      for (let i = 0; i < nPre; i++) for (let j = 0; j < nPost; j++) w[i * stride + j] = init.values[i * nPost + j];
    } else {
      for (let i = 0; i < nPre; i++) for (let j = 0; j < nPost; j++) w[i * stride + j] = init.fn(i, j);
    }
  }

  /** Weight W[i, j] as the network would use it now. */
  weight(i: number, j: number): number {
    this.flush();
    return this.w[i * this.stride + j];
  }

  /** A dense copy [nPre × nPost] (row-major) of the current weights. */
  weights(): Float32Array {
    this.flush();
    const nPre = this.source.n;
    const nPost = this.target.n;
    const out = new Float32Array(nPre * nPost);
    for (let i = 0; i < nPre; i++) out.set(this.w.subarray(i * this.stride, i * this.stride + nPost), i * nPost);
    return out;
  }

  /** Replaces the weights with a dense [nPre × nPost] matrix (cancels any pending normalisation). */
  setWeights(values: ArrayLike<number>): void {
    const nPre = this.source.n;
    const nPost = this.target.n;
    if (values.length !== nPre * nPost) throw new RangeError(`${this.name}: expected ${nPre * nPost} weights`);
    for (let i = 0; i < nPre; i++) for (let j = 0; j < nPost; j++) this.w[i * this.stride + j] = values[i * nPost + j];
    this.pendingScale = false;
    this.sumsValid = false;
  }

  beginSample(_learning: boolean): void {
    // Nothing to do: a pending normalisation is applied lazily.
  }

  propagate(out: Float32Array, fresh: boolean): void {
    const n = this.source.spikeCount;
    if (n === 0) return;
    this.flush();
    if (fresh) {
      this.kernels.addRows(this.w, this.stride, this.source.spikes, n, out);
    } else {
      // BindsNET adds each connection's s·W to the target input as one vector: build it, then add it.
      const c = this.scratch;
      c.fill(0);
      this.kernels.addRows(this.w, this.stride, this.source.spikes, n, c);
      this.one[0] = 0;
      this.kernels.addRows(c, this.stride, this.one, 1, out);
    }
  }

  learn(t: number): void {
    const rule = this.rule;
    if (!rule) return;
    const full = this.bounded && (this.needsFullClamp || this.weightDecay !== 0);
    const touches = rule.touches(this, t);
    if (this.pendingScale) {
      if (!touches && this.weightDecay === 0) {
        // Nothing changes at this step: scaling and the full clamp in one pass.
        this.applyScale(this.bounded);
        this.needsFullClamp = false;
        return;
      }
      this.applyScale(false);
    }
    if (touches) {
      if (this.norm !== null) this.markDirty();
      rule.apply(this, t, this.bounded && !full);
    }
    if (this.weightDecay !== 0) {
      this.kernels.scaleAll(this.w, this.source.n * this.stride, 1 - this.weightDecay, this.wmin, this.wmax, this.bounded);
      this.sumsValid = false;
    } else if (full) {
      this.kernels.clampAll(this.w, this.source.n * this.stride, this.wmin, this.wmax);
      this.sumsValid = false;
    }
    this.needsFullClamp = false;
  }

  /** Rules only change columns of post-synaptic neurons with a non-zero trace: remember them for re-summing. */
  private markDirty(): void {
    const tr = this.target.trace;
    if (!tr) {
      this.sumsValid = false;
      return;
    }
    for (let k = 0; k < tr.activeCount; k++) {
      const j = tr.active[k];
      if (!this.dirtyFlag[j]) {
        this.dirtyFlag[j] = 1;
        this.dirty[this.dirtyCount++] = j;
      }
    }
  }

  endSample(): void {
    if (this.norm === null) return;
    this.flush();
    const sums = this.sums!;
    const nRows = this.source.n;
    if (!this.sumsValid || this.dirtyCount * 8 > this.target.n) {
      this.kernels.colAbsSum(this.w, nRows, this.stride, sums);
    } else {
      // Same order as colAbsSum: rows in order, from 0, one float32 rounding per addition.
      const { w, stride } = this;
      for (let k = 0; k < this.dirtyCount; k++) {
        const j = this.dirty[k];
        let acc = 0;
        for (let i = 0; i < nRows; i++) acc = Math.fround(acc + Math.abs(w[i * stride + j]));
        sums[j] = acc;
      }
    }
    this.clearDirty();
    // BindsNET: sums of 0 become 1; factor = norm / sum in float32.
    const norm = Math.fround(this.norm);
    const factor = this.factor!;
    for (let j = 0; j < this.stride; j++) factor[j] = Math.fround(norm / (sums[j] === 0 ? 1 : sums[j]));
    this.pendingScale = true;
    this.sumsValid = false;
    if (this.bounded && this.rule) this.needsFullClamp = true;
  }

  private clearDirty(): void {
    for (let k = 0; k < this.dirtyCount; k++) this.dirtyFlag[this.dirty[k]] = 0;
    this.dirtyCount = 0;
  }

  /** Applies a pending normalisation (without clamping). */
  private flush(): void {
    if (this.pendingScale) this.applyScale(false);
  }

  private applyScale(clamp: boolean): void {
    this.kernels.scaleColumns(this.w, this.source.n, this.stride, this.factor!, this.wmin, this.wmax, clamp, this.sums!);
    this.pendingScale = false;
    this.sumsValid = true;
    this.clearDirty();
  }
}
