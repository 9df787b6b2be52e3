/**
 * Leaky integrate-and-fire layers with BindsNET semantics (spec snn-models.md A1):
 * - `lif`: `LIFNodes`;
 * - `adaptive`: `AdaptiveLIFNodes` (threshold thresh + θ; θ decays and grows by theta_plus per spike while
 *   learning, persists across samples, frozen when learning is off);
 * - `diehl-cook`: `DiehlAndCookNodes` = adaptive + the one-spike rule: when several neurons cross at one step,
 *   all of them are reset, made refractory and get their θ increment, but only one, drawn uniformly with the
 *   layer's seeded generator, keeps its spike (traces, STDP and downstream layers see only that one).
 */
import { pad4, type KernelContext, type SnnKernels, type Slot } from '../../kernels/snn-kernels.js';
import type { Rng } from '../../util/rng.js';
import type { Layer } from './layer.js';
import { LazyTrace } from './trace.js';

/** The neuron model of a {@link LifLayer}. */
export type LifModel = 'lif' | 'adaptive' | 'diehl-cook';

/** Parameters of a {@link LifLayer} (mV, ms; dt = 1 ms). */
export interface LifParams {
  model: LifModel;
  /** Resting potential. */
  rest: number;
  /** Potential after a spike. */
  reset: number;
  /** Spike threshold (plus θ for adaptive models). */
  thresh: number;
  /** Refractory period (ms): input is ignored on that many steps after a spike. */
  refrac: number;
  /** Membrane time constant (ms). */
  tcDecay: number;
  /** Optional lower bound of v (BindsNET `lbound`; unused by the paper). */
  lbound?: number;
  /** Trace time constant (ms); omit for no trace. */
  traceTc?: number;
  /** θ increment per spike (adaptive models). */
  thetaPlus?: number;
  /** θ time constant (ms) (adaptive models). */
  tcThetaDecay?: number;
}

/** A layer of LIF, adaptive LIF or Diehl & Cook neurons. */
export class LifLayer implements Layer {
  readonly name: string;
  readonly n: number;
  readonly n4: number;
  readonly trace: LazyTrace | null;
  readonly isInput = false;
  readonly params: Readonly<LifParams>;
  spikes!: Int32Array;
  spikeCount = 0;
  input!: Float32Array;
  /** Membrane potentials (length n4). */
  v!: Float32Array;
  /** Refractory counters (ms, length n4). */
  refrac!: Float32Array;
  /** Adaptive thresholds (length n4; all zero for `lif`). */
  theta!: Float32Array;
  /** Number of one-spike draws made (neurons crossing together), for diagnostics. */
  oneSpikeDraws = 0;

  private readonly kernels: SnnKernels;
  private readonly slots: { spikes: Slot<Int32Array>; input: Slot<Float32Array>; v: Slot<Float32Array>; refrac: Slot<Float32Array>; theta: Slot<Float32Array> | null };
  private readonly rest: number;
  private readonly reset: number;
  private readonly thresh: number;
  private readonly decay: number;
  private readonly refracPeriod: number;
  private readonly lbound: number;
  private readonly thetaDecay: number;
  private readonly thetaPlus: number;
  private readonly adaptive: boolean;
  private readonly oneSpike: boolean;
  private readonly rng: Rng | null;

  /**
   * @param rng generator of the one-spike choice (required for `diehl-cook`); one draw `rng.int(k)` is made
   *   whenever k ≥ 2 neurons cross at the same step.
   */
  constructor(name: string, n: number, params: LifParams, ctx: KernelContext, rng: Rng | null = null) {
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`layer ${name}: size must be a positive integer, got ${n}`);
    if (!(params.tcDecay > 0)) throw new RangeError(`layer ${name}: tcDecay must be > 0, got ${params.tcDecay}`);
    if (!(params.refrac >= 0)) throw new RangeError(`layer ${name}: refrac must be ≥ 0, got ${params.refrac}`);
    this.name = name;
    this.n = n;
    this.n4 = pad4(n);
    this.params = { ...params };
    this.adaptive = params.model !== 'lif';
    this.oneSpike = params.model === 'diehl-cook';
    if (this.adaptive) {
      if (params.thetaPlus === undefined || params.tcThetaDecay === undefined) {
        throw new RangeError(`layer ${name}: model ${params.model} needs thetaPlus and tcThetaDecay`);
      }
      if (!(params.tcThetaDecay > 0)) throw new RangeError(`layer ${name}: tcThetaDecay must be > 0`);
    }
    if (this.oneSpike && !rng) throw new Error(`layer ${name}: the one-spike rule needs a seeded Rng`);
    this.rng = rng;
    const f = Math.fround;
    this.rest = f(params.rest);
    this.reset = f(params.reset);
    this.thresh = f(params.thresh);
    this.decay = f(Math.exp(-1 / params.tcDecay));
    this.refracPeriod = f(params.refrac);
    this.lbound = params.lbound === undefined ? -Infinity : f(params.lbound);
    this.thetaDecay = this.adaptive ? f(Math.exp(-1 / params.tcThetaDecay!)) : 1;
    this.thetaPlus = this.adaptive ? f(params.thetaPlus!) : 0;
    this.trace = params.traceTc !== undefined ? new LazyTrace(n, params.traceTc) : null;
    this.kernels = ctx.kernels;
    this.slots = {
      spikes: ctx.i32(this.n4),
      input: ctx.f32(this.n4),
      v: ctx.f32(this.n4),
      refrac: ctx.f32(this.n4),
      theta: this.adaptive ? ctx.f32(this.n4) : null,
    };
  }

  bind(): void {
    this.spikes = this.slots.spikes.view();
    this.input = this.slots.input.view();
    this.v = this.slots.v.view();
    this.refrac = this.slots.refrac.view();
    this.theta = this.slots.theta ? this.slots.theta.view() : new Float32Array(this.n4);
    this.resetState();
  }

  step(t: number, learning: boolean): void {
    const k = this.kernels;
    let c: number;
    if (this.adaptive) {
      c = k.adaptiveStep(
        this.n4, this.n, this.v, this.refrac, this.theta, this.input,
        this.rest, this.reset, this.thresh, this.decay, this.refracPeriod, 1, this.lbound,
        this.thetaDecay, this.thetaPlus, learning, this.spikes,
      );
    } else {
      c = k.lifStep(this.n4, this.n, this.v, this.refrac, this.input, this.rest, this.reset, this.thresh, this.decay, this.refracPeriod, 1, this.lbound, this.spikes);
    }
    if (this.oneSpike && c > 1) {
      this.spikes[0] = this.spikes[this.rng!.int(c)];
      this.oneSpikeDraws++;
      c = 1;
    }
    this.spikeCount = c;
    if (this.trace) this.trace.record(t, this.spikes, c);
  }

  resetState(): void {
    this.v.fill(this.rest);
    this.refrac.fill(0);
    this.spikeCount = 0;
    this.trace?.reset();
  }

  /** Sets every θ to 0 (a fresh network). */
  resetTheta(): void {
    this.theta.fill(0);
  }
}
