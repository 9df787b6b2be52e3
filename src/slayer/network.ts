/**
 * One replica of a surrogate-gradient network: its buffers, forward pass and BPTT for one sample at a time.
 * The loss of a batch is a sum over samples, so a batch gradient is the sum of per-sample gradients and the
 * memory of BPTT is that of one sample whatever the batch size. Threads each own a replica (`parallel.ts`).
 *
 *   forward:  for each block: z = synapse(x) (event-driven), neuron scan → u, v, delta = v − θ_eff, s,
 *             y = keep·scale·s[t − 1 − ⌊d_c⌋] as CSR for the next block
 *   backward: for each block in reverse: gradient through delay/shift/dropout (+ delay gradient), surrogate and
 *             both integrators (+ decay gradients), weight gradient from the active inputs, dense input gradient
 */
import { Arena, loadKernelModule } from '../kernels/arena.js';
import {
  backwardFftFaster, JS_SLAYER_KERNELS, planBackwardFft, type BackwardFft, type Real, type SlayerKernels, type SpikeRows,
} from '../kernels/slayer-kernels.js';
import { createSlayerKernels } from '../kernels/slayer-wasm.js';
import type { SpikeTrains } from '../data/spikes.js';
import { UserError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { planNetwork, type BlockPlan, type BlockSpec, type InputShape } from './architecture.js';
import {
  alifConstants, alifForwardFixed, checkNeuronParams, cubaConstants, cubaForwardFixed, decayMultiplier, quantizeWeight,
  S_SCALE, smoothForward, surrogateConstants, type NeuronParams, type NumericMode,
} from './neuron.js';
import { ParameterLayout } from './parameters.js';
import { lossFunction, predict, type LossName } from './loss.js';

/** Everything that defines a network (shapes, neurons, numeric mode). */
export interface SlayerNetworkConfig {
  input: InputShape;
  blocks: BlockSpec[];
  neuron: NeuronParams;
  /** 'float' (default) or 'fixed' (Lava-DL's fixed point, spec B1). */
  mode?: NumericMode;
  /** Sign of the decay gradient: 'analytic' (default) or 'reference' (Lava-DL's, opposite). */
  decayGradient?: 'analytic' | 'reference';
  /** Learn the current and voltage decays of conv/dense blocks (default true). */
  learnDecays?: boolean;
  /**
   * 'heaviside' (default) or 'smooth': the finite-difference test mode (float64, TypeScript kernels) where the
   * spike is a smooth function whose derivative is the surrogate (see `smoothSpike`).
   */
  spike?: 'heaviside' | 'smooth';
}

/** Storage and kernels: float32 with wasm SIMD (default), float32 with the TS kernels, or float64 (tests). */
export interface ReplicaOptions {
  dtype?: 'float32' | 'float64';
  backend?: 'wasm' | 'js' | 'auto';
}

/** What one sample gives. */
export interface SampleResult {
  /** Output spike count per class. */
  outputCounts: Float64Array;
  /** Predicted class (argmax rate, lowest index on ties). */
  prediction: number;
  /** Loss of the sample (training only; NaN otherwise). */
  loss: number;
  /** Spikes emitted by each block (after its delays, within T), in block order. */
  blockSpikes: Int32Array;
}

interface BlockBuffers {
  plan: BlockPlan;
  /** Synaptic input; reused for its gradient in backward. */
  z: Real;
  u: Real;
  v: Real;
  delta: Real;
  s: Real;
  /** Gradient w.r.t. this block's output y (written by the next block's backward input pass or the loss). */
  gy: Real;
  keep: Real | null;
  rowPtr: Int32Array;
  chan: Int32Array;
  shift: Int32Array;
  value: number;
  keepActive: boolean;
  w: Real | null;
  wt: Real | null;
  gw: Real | null;
  acc: Float64Array;
  gradDelay: Float64Array;
  /** FFT path of the input gradient (wasm, stride-1 layers where it is faster); null: direct. */
  fft: BackwardFft | null;
}

type SlotView<A> = { view(): A };

export class SlayerNetwork {
  readonly config: Required<SlayerNetworkConfig>;
  readonly plans: BlockPlan[];
  readonly layout: ParameterLayout;
  readonly kernels: SlayerKernels;
  readonly dtype: 'float32' | 'float64';
  readonly nClasses: number;
  readonly arena: Arena;
  private readonly blocks: BlockBuffers[];
  private readonly inputRows: { rowPtr: Int32Array; chan: Int32Array };
  private readonly gs: Real;
  private readonly params: Float64Array;
  private readonly lossGrad: Float64Array;
  private readonly rates: Float64Array;
  private readonly fixed: boolean;
  private readonly smooth: boolean;
  /** Per-entry spike values of each block (smooth mode only). */
  private readonly smoothVals: Float64Array[] = [];

  constructor(config: SlayerNetworkConfig, options: ReplicaOptions = {}) {
    checkNeuronParams(config.neuron);
    this.config = { mode: 'float', decayGradient: 'analytic', learnDecays: true, spike: 'heaviside', ...config };
    this.smooth = this.config.spike === 'smooth';
    if (this.smooth && options.dtype !== 'float64') throw new Error("spike: 'smooth' is a float64 test mode");
    this.fixed = this.config.mode === 'fixed';
    this.plans = planNetwork(config.input, config.blocks);
    const last = this.plans[this.plans.length - 1];
    if (last.P !== 1) throw new UserError(`the last block ('${last.name}') must be dense: its rates are the class scores.`);
    this.nClasses = last.C;
    this.layout = new ParameterLayout(this.plans, this.config.learnDecays);
    this.dtype = options.dtype ?? 'float32';
    const backend = options.backend ?? 'auto';
    const wasm = loadKernelModule('slayer');
    const useWasm = this.dtype === 'float32' && (backend === 'wasm' || (backend === 'auto' && wasm.module !== null));
    if (backend === 'wasm' && this.dtype === 'float64') throw new Error('the wasm kernels are float32 only');
    if (useWasm && !wasm.module) throw new Error(`wasm kernels unavailable: ${wasm.error}`);
    this.arena = new Arena(useWasm ? wasm.module : null);
    const real = (n: number): SlotView<Real> => (this.dtype === 'float64' ? this.arena.f64(n) : this.arena.f32(n));
    const T = config.input.T;
    const { channels, height, width } = config.input;
    const inPtr = this.arena.i32(height * width * T + 1);
    const inChan = this.arena.i32(height * width * T * channels);
    let maxGs = 0;
    let fftScratch = 0;
    const slots = this.plans.map((b, i) => {
      const n = b.P * T * b.cp;
      maxGs = Math.max(maxGs, n);
      const g = b.conv;
      // The input gradient of blocks after the first: FFT when the cost model says it pays for the step window.
      const steps = T - (this.plans.length - i) - Math.max(0, i - 1);
      const fftPlan = useWasm && g && i > 0 && steps > 0 ? planBackwardFft(g, { steps }) : null;
      const fft = fftPlan && backwardFftFaster(g!, steps, fftPlan) ? fftPlan : null;
      if (fft) fftScratch = Math.max(fftScratch, fft.scratchLength);
      return {
        plan: b,
        fftPlan: fft,
        fftSpectrum: fft ? this.arena.f32(fft.spectrumLength) : null,
        z: real(n), u: real(n), v: real(n), delta: real(n), s: real(n), gy: real(n),
        keep: b.dropout > 0 ? real(b.P * b.cp) : null,
        rowPtr: this.arena.i32(b.P * T + 1),
        chan: this.arena.i32(b.P * T * b.C),
        w: g ? real(b.weightLength) : null,
        wt: g ? real(g.kh * g.kw * g.cout * g.cinp) : null,
        gw: g ? real(b.weightLength) : null,
        acc: this.arena.f64(2),
        gradDelay: this.arena.f64(b.C),
        shift: this.arena.i32(b.C),
      };
    });
    const gsSlot = real(maxGs);
    const scratchSlot = fftScratch > 0 ? this.arena.f32(fftScratch) : null;
    this.arena.commit();
    this.kernels = useWasm ? createSlayerKernels(this.arena) : JS_SLAYER_KERNELS;
    this.inputRows = { rowPtr: inPtr.view(), chan: inChan.view() };
    this.gs = gsSlot.view();
    this.blocks = slots.map((s) => ({
      plan: s.plan,
      z: s.z.view(), u: s.u.view(), v: s.v.view(), delta: s.delta.view(), s: s.s.view(), gy: s.gy.view(),
      keep: s.keep?.view() ?? null,
      rowPtr: s.rowPtr.view(), chan: s.chan.view(),
      shift: s.shift.view().fill(1),
      value: 1,
      keepActive: false,
      w: s.w?.view() ?? null, wt: s.wt?.view() ?? null, gw: s.gw?.view() ?? null,
      acc: s.acc.view(), gradDelay: s.gradDelay.view(),
      fft: s.fftPlan ? { plan: s.fftPlan, spectrum: s.fftSpectrum!.view(), scratch: scratchSlot!.view() } : null,
    }));
    this.params = new Float64Array(this.layout.length);
    this.lossGrad = new Float64Array(this.nClasses);
    this.rates = new Float64Array(this.nClasses);
  }

  /** Bytes of buffers this replica holds (activations of one sample, weights, gradients). */
  get memoryBytes(): number {
    return this.arena.reservedBytes;
  }

  /** Loads a flat parameter vector (see {@link ParameterLayout}): weights (quantised in fixed mode), delays, decays. */
  setParameters(x: Float64Array): void {
    if (x.length !== this.layout.length) throw new RangeError(`parameter vector of ${x.length}, expected ${this.layout.length}`);
    this.params.set(x);
    this.plans.forEach((b, i) => {
      const s = this.layout.blocks[i];
      const buf = this.blocks[i];
      if (b.conv) {
        const { kh, kw, cin, cout, cinp, coutp } = b.conv;
        const w = buf.w!;
        const wt = buf.wt!;
        for (let k = 0; k < b.weightLength; k++) {
          const val = x[s.weight + k];
          w[k] = this.fixed ? quantizeWeight(val) : val;
        }
        wt.fill(0);
        for (let kk = 0; kk < kh * kw; kk++) {
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) wt[(kk * cout + co) * cinp + ci] = w[(kk * cin + ci) * coutp + co];
          }
        }
        // The FFT path keeps the weights' spectrum: recompute it whenever the weights change.
        if (buf.fft) this.kernels.prepareBackwardInput(b.conv, wt, buf.fft);
      }
      for (let c = 0; c < b.C; c++) buf.shift[c] = 1 + (b.delay ? Math.floor(x[s.delay + c]) : 0);
    });
  }

  /** Clears the gradient accumulators (call before a batch). */
  zeroGradients(): void {
    for (const b of this.blocks) {
      b.gw?.fill(0);
      b.acc.fill(0);
      b.gradDelay.fill(0);
    }
  }

  /** Adds this replica's accumulated gradient to `out` (flat layout). */
  addGradients(out: Float64Array): void {
    const sign = this.config.decayGradient === 'analytic' ? -1 : 1;
    this.plans.forEach((b, i) => {
      const s = this.layout.blocks[i];
      const buf = this.blocks[i];
      if (buf.gw) for (let k = 0; k < b.weightLength; k++) out[s.weight + k] += buf.gw[k];
      for (let c = 0; c < s.delayLength; c++) out[s.delay + c] += buf.gradDelay[c];
      out[s.Du] += (sign * buf.acc[0]) / S_SCALE;
      out[s.Dv] += (sign * buf.acc[1]) / S_SCALE;
    });
  }

  /** Writes the input spikes of one sample (engine CSR rows p·T + t); input index = (c·H + y)·W + x. */
  private loadInput(trains: SpikeTrains): SpikeRows {
    const { channels, height, width, T } = this.config.input;
    if (trains.T !== T || trains.nInputs !== channels * height * width) {
      throw new UserError(`input of ${trains.nInputs} inputs × ${trains.T} steps, the network expects ${channels}×${height}×${width} × ${T}.`);
    }
    const { rowPtr, chan } = this.inputRows;
    const HW = height * width;
    const rows = HW * T;
    rowPtr.fill(0, 0, rows + 1);
    // Counting sort of (input, t) into rows p·T + t. Inputs are ascending within a step and idx = c·HW + p, so a
    // row receives its channels in ascending order.
    for (let t = 0; t < T; t++) {
      for (let k = trains.offsets[t]; k < trains.offsets[t + 1]; k++) rowPtr[(trains.indices[k] % HW) * T + t + 1]++;
    }
    for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
    // Place each entry at its row's cursor (rowPtr[r] advances to the next row's start), then shift back.
    for (let t = 0; t < T; t++) {
      for (let k = trains.offsets[t]; k < trains.offsets[t + 1]; k++) {
        const idx = trains.indices[k];
        chan[rowPtr[(idx % HW) * T + t]++] = (idx / HW) | 0;
      }
    }
    for (let r = rows; r > 0; r--) rowPtr[r] = rowPtr[r - 1];
    rowPtr[0] = 0;
    return { rowPtr, chan, value: 1 };
  }

  /**
   * Forward pass of one sample. With `dropoutRng`, dropout is on (training); `keepMasks` (tests) gives each
   * dropout block's keep mask in PyTorch's neuron order (c·H + y)·W + x instead of drawing it.
   */
  forward(trains: SpikeTrains, dropoutRng: Rng | null, keepMasks?: Record<string, ArrayLike<number>>): SampleResult {
    const k = this.kernels;
    const T = this.config.input.T;
    let x = this.loadInput(trains);
    const blockSpikes = new Int32Array(this.blocks.length);
    this.blocks.forEach((buf, i) => {
      const b = buf.plan;
      const s = this.layout.blocks[i];
      buf.z.fill(0);
      if (b.conv) k.convForward(b.conv, x, buf.w!, buf.z);
      else k.poolForward(b.pool!, x, buf.z);
      const Du = this.params[s.Du];
      const Dv = this.params[s.Dv];
      const neuron = this.config.neuron;
      if (this.smooth) {
        const sur = surrogateConstants(neuron, 'float');
        smoothForward(b.P, T, b.cp, b.C, buf.z, decayMultiplier(Du, 'float'), decayMultiplier(Dv, 'float'), neuron.threshold, sur.a, sur.tau, buf.u, buf.v, buf.delta, buf.s);
      } else if (this.fixed) {
        const scan = neuron.kind === 'alif' ? alifForwardFixed : cubaForwardFixed;
        scan(b.P, T, b.cp, b.C, buf.z, neuron, Du, Dv, buf.u, buf.v, buf.delta, buf.s);
      } else if (neuron.kind === 'alif') {
        k.alifForward(b.P, T, b.cp, buf.z, alifConstants(neuron, Du, Dv, 'float'), buf.u, buf.v, buf.delta, buf.s);
      } else {
        k.cubaForward(b.P, T, b.cp, buf.z, cubaConstants(neuron, Du, Dv, 'float'), buf.u, buf.v, buf.delta, buf.s);
      }
      buf.keepActive = b.dropout > 0 && (dropoutRng !== null || keepMasks?.[b.name] !== undefined);
      buf.value = buf.keepActive ? 1 / (1 - b.dropout) : 1;
      if (buf.keepActive) this.drawKeep(buf, dropoutRng, keepMasks?.[b.name]);
      if (this.smooth) {
        x = this.emitSmooth(i);
        blockSpikes[i] = x.rowPtr[b.P * T];
      } else {
        blockSpikes[i] = k.emitSpikes(b.P, T, b.C, b.cp, buf.s, buf.keepActive ? buf.keep : null, buf.shift, buf.rowPtr, buf.chan);
        x = { rowPtr: buf.rowPtr, chan: buf.chan, value: buf.value };
      }
    });
    const out = this.blocks[this.blocks.length - 1];
    const outVals = this.smooth ? this.smoothVals[this.blocks.length - 1] : null;
    const counts = new Float64Array(this.nClasses);
    for (let j = 0; j < out.rowPtr[T]; j++) counts[out.chan[j]] += outVals ? outVals[j] : out.value;
    for (let c = 0; c < this.nClasses; c++) this.rates[c] = counts[c] / T;
    return { outputCounts: counts, prediction: predict(this.rates), loss: NaN, blockSpikes };
  }

  /** Smooth mode: CSR of every nonzero output value, with per-entry values (keep·scale·s). */
  private emitSmooth(i: number): SpikeRows {
    const buf = this.blocks[i];
    const b = buf.plan;
    const T = this.config.input.T;
    const vals = (this.smoothVals[i] ??= new Float64Array(b.P * T * b.C));
    let n = 0;
    for (let p = 0; p < b.P; p++) {
      for (let t = 0; t < T; t++) {
        buf.rowPtr[p * T + t] = n;
        for (let c = 0; c < b.C; c++) {
          const tt = t - buf.shift[c];
          const m = buf.keepActive ? buf.keep![p * b.cp + c] * buf.value : 1;
          const val = tt >= 0 ? m * buf.s[(p * T + tt) * b.cp + c] : 0;
          if (val !== 0) {
            buf.chan[n] = c;
            vals[n++] = val;
          }
        }
      }
    }
    buf.rowPtr[b.P * T] = n;
    return { rowPtr: buf.rowPtr, chan: buf.chan, value: 1, vals };
  }

  private drawKeep(buf: BlockBuffers, rng: Rng | null, given: ArrayLike<number> | undefined): void {
    const b = buf.plan;
    const keep = buf.keep!;
    keep.fill(0);
    for (let c = 0; c < b.C; c++) {
      for (let p = 0; p < b.P; p++) {
        // Drawn in PyTorch's neuron order so a mask means the same neurons in both.
        const flag = given ? given[c * b.P + p] : rng!.random() >= b.dropout ? 1 : 0;
        keep[p * b.cp + c] = flag ? 1 : 0;
      }
    }
  }

  /** Each block's output spikes of the last forward pass (CSR rows p·T + t; views, valid until the next pass). */
  blockOutputs(): SpikeRows[] {
    return this.blocks.map((b, i) => ({ rowPtr: b.rowPtr, chan: b.chan, value: b.value, vals: this.smooth ? this.smoothVals[i] : null }));
  }

  /** Output rates of the last forward pass. */
  outputRates(): Float64Array {
    return this.rates;
  }

  /**
   * BPTT after {@link forward}: seeds ∂L/∂y of the output from ∂L/∂r and accumulates every parameter's gradient.
   * `inputTrains` must be the same sample (its rows are still loaded).
   */
  backward(dLdr: ArrayLike<number>): void {
    const k = this.kernels;
    const T = this.config.input.T;
    const last = this.blocks[this.blocks.length - 1];
    last.gy.fill(0);
    for (let t = 0; t < T; t++) for (let c = 0; c < this.nClasses; c++) last.gy[t * last.plan.cp + c] = dLdr[c] / T;
    const neuron = this.config.neuron;
    const sur = surrogateConstants(neuron, this.config.mode);
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const buf = this.blocks[i];
      const b = buf.plan;
      const s = this.layout.blocks[i];
      const n = b.P * T * b.cp;
      const gs = this.gs.subarray(0, n) as Real;
      k.spikeGradient(b.P, T, b.C, b.cp, buf.gy, buf.s, buf.keepActive ? buf.keep : null, buf.shift, buf.value, gs, buf.gradDelay, b.delay);
      const ku = decayMultiplier(this.params[s.Du], this.config.mode);
      const kv = decayMultiplier(this.params[s.Dv], this.config.mode);
      const gz = buf.z; // the synaptic input is no longer needed
      // The synaptic gradient is structurally 0 from step T − (blocks from here to the output) on (one step of
      // latency per block): the scans and the weight gradient stop there.
      const tEnd = T - (this.blocks.length - i);
      const decays = b.learnsDecays && this.config.learnDecays;
      k.neuronBackward(b.P, T, b.cp, gs, buf.delta, buf.u, buf.v, ku, kv, sur.a, sur.tau, gz, buf.acc, tEnd, decays);
      const prev = this.blocks[i - 1];
      const x: SpikeRows = i === 0 ? { ...this.inputRows, value: 1 }
        : { rowPtr: prev.rowPtr, chan: prev.chan, value: prev.value, vals: this.smooth ? this.smoothVals[i - 1] : null };
      if (b.conv) k.convWeightGrad(b.conv, x, gz, buf.gw!, tEnd);
      if (i === 0) break;
      const gx = this.blocks[i - 1].gy;
      gx.fill(0);
      // Steps of the input gradient that matter: the input y_{i−1}[t] is structurally 0 before t = i, and its
      // gradient is needed from t = i − 1 (the delay gradient's difference y[t] − y[t+1]); gz is structurally 0
      // after T − 1 − (blocks from here to the output), each block adding one step of latency.
      if (b.conv) k.convBackwardInput(b.conv, gz, buf.wt!, gx, i - 1, Math.max(i - 1, T - (this.blocks.length - i)), buf.fft);
      else k.poolBackwardInput(b.pool!, gz, gx);
    }
  }

  /** Forward + loss + backward of one training sample; gradients accumulate. */
  trainSample(trains: SpikeTrains, label: number, loss: LossName, dropoutRng: Rng | null, keepMasks?: Record<string, ArrayLike<number>>): SampleResult {
    const r = this.forward(trains, dropoutRng, keepMasks);
    r.loss = lossFunction(loss)(this.rates, label, this.lossGrad);
    this.backward(this.lossGrad);
    return r;
  }
}
