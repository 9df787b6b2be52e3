/**
 * Hot loops of the surrogate-gradient engine (`src/slayer/`), as plain TypeScript over Float32Array or Float64Array
 * (float64 is the test mode that is compared with the PyTorch reference). The WebAssembly SIMD versions
 * (`slayer-wasm.ts`) implement the same interface on float32 arrays of their {@link Arena}.
 *
 * Layout (docs/surrogate.md): activations `[p][t][c]` with `p = y·W + x` and channels padded to `cp = pad4(C)`;
 * sparse spikes as CSR over rows `p·T + t` with one shared value; conv weights
 * `w[((ky·kw + kx)·cin + ci)·coutp + co]` and their transpose `wt[((ky·kw + kx)·cout + co)·cinp + ci]`.
 * Every kernel accumulates (`+=`) into its output unless it says it writes.
 */

/** Float storage of the engine: float32 (speed) or float64 (test mode). */
export type Real = Float32Array | Float64Array;

/** Shapes of one convolution (a dense layer is a convolution whose kernel covers its input map). */
export interface ConvGeometry {
  readonly cin: number;
  readonly cout: number;
  /** pad4(cin), pad4(cout). */
  readonly cinp: number;
  readonly coutp: number;
  readonly hin: number;
  readonly win: number;
  readonly hout: number;
  readonly wout: number;
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  readonly pad: number;
  readonly T: number;
}

/** Shapes of one per-channel sum pooling. */
export interface PoolGeometry {
  readonly c: number;
  readonly cp: number;
  readonly hin: number;
  readonly win: number;
  readonly hout: number;
  readonly wout: number;
  readonly k: number;
  readonly stride: number;
  readonly T: number;
}

/** Sparse spikes: the channels active in row `p·T + t` are `chan[rowPtr[r] .. rowPtr[r+1])`, each worth `value`. */
export interface SpikeRows {
  rowPtr: Int32Array;
  chan: Int32Array;
  value: number;
  /**
   * Per-entry values instead of `value` (the smooth-spike test mode only; TypeScript kernels only, the wasm
   * kernels reject it).
   */
  vals?: Real | null;
}

/** ALIF parameters as multipliers: k_x = 1 − α_x. */
export interface AlifConstants {
  ku: number;
  kv: number;
  kth: number;
  kr: number;
  theta0: number;
  step: number;
}

/** CUBA parameters; `theta` already includes the ε of the spec. */
export interface CubaConstants {
  ku: number;
  kv: number;
  theta: number;
}

export interface SlayerKernels {
  readonly backend: 'wasm' | 'js';
  /** z[(oy,ox,t), co] += value·w[(ky,kx,ci), co] for every input spike (event-driven convolution). */
  convForward(g: ConvGeometry, x: SpikeRows, w: Real, z: Real): void;
  /**
   * gw[(ky,kx,ci), co] += value·gz[(oy,ox,t), co] for every input spike at t < tEnd (default T; gz is 0 from
   * tEnd on): the weight gradient from active inputs only.
   */
  convWeightGrad(g: ConvGeometry, x: SpikeRows, gz: Real, gw: Real, tEnd?: number): void;
  /**
   * gx[(y,x,t), ci] += Σ_{ky,kx,co} gz[(oy,ox,t), co]·wt[(ky,kx,co), ci] (dense input gradient), for the steps
   * t0 ≤ t < t1 only (default all): the engine skips steps whose input is structurally silent or whose gradient is
   * structurally zero. With `fft` (stride-1 layers, see {@link planBackwardFft}; prepared by
   * {@link prepareBackwardInput} since wt last changed), the wasm kernels take the FFT path when the cost model
   * {@link backwardFftFaster} says it is faster for this many steps (same sums up to float32 rounding); the
   * TypeScript twins ignore `fft`.
   */
  convBackwardInput(g: ConvGeometry, gz: Real, wt: Real, gx: Real, t0?: number, t1?: number, fft?: BackwardFft | null): void;
  /**
   * Prepares the FFT path of {@link convBackwardInput} for the weights wt: computes fft.spectrum from wt. Call it
   * after every change of wt and before the next convBackwardInput given this `fft` (the spectrum is not
   * recomputed, and a stale one gives a wrong gradient). The TypeScript twins keep the direct method: no-op.
   */
  prepareBackwardInput(g: ConvGeometry, wt: Real, fft: BackwardFft): void;
  /** z[(oy,ox,t), c] += value for every input spike inside the window of (oy, ox). */
  poolForward(g: PoolGeometry, x: SpikeRows, z: Real): void;
  /** gx[(y,x,t), c] += Σ over windows containing (y, x) of gz[(oy,ox,t), c]. */
  poolBackwardInput(g: PoolGeometry, gz: Real, gx: Real): void;
  /**
   * ALIF scan over t for P·cp neurons (float mode). Writes u, v, delta = v − (ϑ + r) and s ∈ {0, 1}.
   */
  alifForward(P: number, T: number, cp: number, z: Real, c: AlifConstants, u: Real, v: Real, delta: Real, s: Real): void;
  /**
   * CUBA scan (float mode); delta = v − θ before the reset, and v is the state carried to the next step (after the
   * reset), which is what the voltage-decay gradient multiplies.
   */
  cubaForward(P: number, T: number, cp: number, z: Real, c: CubaConstants, u: Real, v: Real, delta: Real, s: Real): void;
  /**
   * Backward through surrogate and both integrators. Writes gz (gradient w.r.t. the synaptic input) and adds
   * Σ_{t≥1} gz[t]·u[t−1] to acc[0] and Σ_{t≥1} gu[t]·v[t−1] to acc[1] (decay gradients up to the factor −1/4096).
   * gs is taken as 0 from step tEnd on (default T; the engine passes the step after which it is structurally 0),
   * and gz is written 0 there. With `decays` false (blocks that do not learn their decays) acc is left alone and u, v
   * are not read.
   */
  neuronBackward(
    P: number, T: number, cp: number, gs: Real, delta: Real, u: Real, v: Real,
    ku: number, kv: number, surA: number, surTau: number, gz: Real, acc: Float64Array, tEnd?: number, decays?: boolean,
  ): void;
  /**
   * Builds the CSR of the block output y[p, t, c] = keep[p,c]·s[p, t − shift[c], c] for c < C; writes rowPtr
   * (length P·T + 1) and chan, returns the number of spikes. keep (0/1 per (p, c), stride cp) may be null.
   */
  emitSpikes(P: number, T: number, C: number, cp: number, s: Real, keep: Real | null, shift: Int32Array, rowPtr: Int32Array, chan: Int32Array): number;
  /**
   * Gradient through delay, shift and dropout: writes gs[p, t, c] = gy[p, t + shift[c], c]·keep·scale (0 past T),
   * and adds Σ_{p,t} gy[t]·(y[t] − y[t+1]) (y = scale·keep·s[t − shift], y[T] = 0) to gradDelay[c] unless
   * `withDelay` is false (blocks without axonal delays).
   */
  spikeGradient(
    P: number, T: number, C: number, cp: number, gy: Real, s: Real, keep: Real | null, shift: Int32Array, scale: number,
    gs: Real, gradDelay: Float64Array, withDelay?: boolean,
  ): void;
}

/** Smallest multiple of 4 that is ≥ n. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

// ---------------------------------------------------------------------------------------------------------
// FFT path of convBackwardInput (stride 1): sizes and cost model

/**
 * Sizes of the FFT path of {@link SlayerKernels.convBackwardInput} for one stride-1 convolution (see the wasm
 * source, section "Dense input gradient by FFT"): transforms of nh × nw (each the smallest 2^a·3^b·5^c that avoids
 * aliasing, {@link backwardFftSizes}), nh·mw frequency bins (mw = ⌊nw/2⌋ + 1, real-input half spectrum), steps
 * processed `chunk` at a time.
 */
export interface BackwardFftPlan {
  readonly nh: number;
  readonly nw: number;
  readonly mw: number;
  readonly bins: number;
  /** Steps transformed and multiplied together (the scratch holds the spectra of this many steps). */
  readonly chunk: number;
  /** Float32 elements of the layer's weight spectrum (twiddles, then bins·2·cout·cinp). */
  readonly spectrumLength: number;
  /** Float32 elements of the work area (transform buffers, one step's planes, ≈ bins·2·chunk·(coutp + cinp) for the spectra). */
  readonly scratchLength: number;
}

/**
 * What the FFT path needs at run time: its plan, the layer's weight spectrum (plan.spectrumLength elements,
 * written by {@link SlayerKernels.prepareBackwardInput}) and a work area (≥ plan.scratchLength elements; one area
 * can serve every layer of a network, calls being sequential). Both must be float32 arrays of the kernels' arena.
 */
export interface BackwardFft {
  readonly plan: BackwardFftPlan;
  readonly spectrum: Real;
  readonly scratch: Real;
}

/** Smallest m ≥ n of the form 2^a·3^b·5^c (the transform sizes the wasm FFT supports). */
export function fftSize(n: number): number {
  for (let m = Math.max(1, Math.ceil(n)); ; m++) {
    let k = m;
    for (const p of [2, 3, 5]) while (k % p === 0) k /= p;
    if (k === 1) return m;
  }
}

/** Float32 elements of the FFT work buffers (2·nh·mw + 2·nw·⌈nh/2⌉ complex elements of 4 lanes, 8 floats each). */
function fftWorkFloats(nh: number, nw: number): number {
  return 8 * (2 * nh * ((nw >> 1) + 1) + 2 * nw * ((nh + 1) >> 1));
}

/** Float32 elements of the twiddle tables at the start of the spectrum (nh + nw complex pairs, rounded up to 4). */
export function fftTwiddleFloats(nh: number, nw: number): number {
  return pad4(2 * (nh + nw));
}

/** Float32 elements of the planes of one step (gz or gx, channels × pixels). */
function fftPlaneFloats(g: ConvGeometry): number {
  return Math.max(g.coutp * g.hout * g.wout, g.cinp * g.hin * g.win);
}

/** Float32 elements between two four-channel spectra in the work area: bins·8 rounded up to an odd number of 64-byte lines. */
function fftImageFloats(bins: number): number {
  return 16 * (((bins + 1) >> 1) | 1);
}

/** Exact sizes for a transform size and chunk (used by {@link planBackwardFft} and to validate plans). */
export function backwardFftLengths(g: ConvGeometry, nh: number, nw: number, chunk: number): { spectrumLength: number; scratchLength: number } {
  const bins = nh * ((nw >> 1) + 1);
  return {
    spectrumLength: fftTwiddleFloats(nh, nw) + bins * 2 * g.cout * g.cinp,
    scratchLength: fftWorkFloats(nh, nw) + fftPlaneFloats(g) + fftImageFloats(bins) * chunk * ((g.coutp + g.cinp) >> 2),
  };
}

/**
 * Smallest transform sizes for a stride-1 geometry: the full convolution of gz and w spans hout + kh − 1 rows, and a
 * circular one of nh rows aliases row u + nh onto u; the rows read, pad … pad + hin − 1, are clean when
 * nh ≥ hin + pad and nh ≥ hout + kh − 1 − pad (equal when hout = hin + 2·pad − kh + 1), and both operands fit when
 * nh ≥ hout, kh. Likewise nw.
 */
export function backwardFftSizes(g: ConvGeometry): { nh: number; nw: number } {
  return {
    nh: fftSize(Math.max(g.hin + g.pad, g.hout + g.kh - 1 - g.pad, g.hout, g.kh)),
    nw: fftSize(Math.max(g.win + g.pad, g.wout + g.kw - 1 - g.pad, g.wout, g.kw)),
  };
}

/**
 * The FFT plan of a convolution's input gradient, or null when the FFT path does not apply (stride ≠ 1).
 * `steps` (default T) is the largest step window the caller passes; `maxScratchBytes` (default 32 MiB) caps the
 * work area by lowering `chunk` (never below 1 step: the transform buffers and one step's spectra always fit).
 * Whether the path pays off is {@link backwardFftFaster}'s call, per step window.
 */
export function planBackwardFft(g: ConvGeometry, options: { steps?: number; maxScratchBytes?: number } = {}): BackwardFftPlan | null {
  if (g.stride !== 1 || g.hout < 1 || g.wout < 1 || g.cout < 1) return null;
  const steps = Math.max(1, Math.min(g.T, options.steps ?? g.T));
  const maxScratch = (options.maxScratchBytes ?? 32 * 2 ** 20) / 4;
  const { nh, nw } = backwardFftSizes(g);
  const mw = (nw >> 1) + 1;
  const bins = nh * mw;
  const perStep = fftImageFloats(bins) * ((g.coutp + g.cinp) >> 2);
  const chunk = Math.max(1, Math.min(steps, Math.floor((maxScratch - fftWorkFloats(nh, nw) - fftPlaneFloats(g)) / perStep)));
  return { nh, nw, mw, bins, chunk, ...backwardFftLengths(g, nh, nw, chunk) };
}

/** log2 n plus the extra cost of radix-3 and radix-5 stages (operations per element per 1-D transform, relative). */
function fftStages(n: number): number {
  let c = 0;
  while (n % 4 === 0) { c += 2; n /= 4; }
  while (n % 2 === 0) { c += 1.2; n /= 2; }
  while (n % 3 === 0) { c += 2; n /= 3; }
  while (n % 5 === 0) { c += 3.2; n /= 5; }
  return c;
}

/**
 * Estimated times (ns, single thread, wasm SIMD on the machine of bench/slayer-kernels.ts) of both paths of
 * convBackwardInput for `steps` steps: direct = multiply-adds of the in-map taps plus the GEMM calls; FFT = complex
 * multiply-adds bins·steps·cout·cinp (4 real each) plus the weight spectrum read once per chunk, plus the 2-D
 * transforms of steps·(coutp + cinp)/4 four-channel images. Calibrated on the best/mid c2 and Exp 4-like layers;
 * only the ratio matters. The spectrum's preparation (once per weight update) is not counted.
 */
export function backwardInputCost(g: ConvGeometry, steps: number, plan: BackwardFftPlan | null): { direct: number; fft: number } {
  let taps = 0;
  let calls = 0;
  for (let ky = 0; ky < g.kh; ky++) {
    let rows = 0;
    for (let oy = 0; oy < g.hout; oy++) {
      const y = oy * g.stride - g.pad + ky;
      if (y >= 0 && y < g.hin) rows++;
    }
    for (let kx = 0; kx < g.kw; kx++) {
      let cols = 0;
      for (let ox = 0; ox < g.wout; ox++) {
        const x = ox * g.stride - g.pad + kx;
        if (x >= 0 && x < g.win) cols++;
      }
      taps += rows * cols;
      calls += steps === g.T && g.stride === 1 ? (cols > 0 ? rows : 0) : rows * cols;
    }
  }
  // The direct kernel sweeps gz and gx once per kernel offset: memory-bound once they leave the caches.
  const maps = steps * 4 * (g.hout * g.wout * g.coutp + 2 * g.hin * g.win * g.cinp);
  const sweeps = maps > DIRECT_CACHE_BYTES ? (g.kh * g.kw * maps) / DIRECT_BYTES_PER_NS : 0;
  const direct = Math.max((taps * steps * g.cout * g.cinp) / DIRECT_MACS_PER_NS, sweeps) + calls * DIRECT_CALL_NS;
  if (!plan) return { direct, fft: Infinity };
  const { nh, nw, mw, bins, chunk } = plan;
  // Bins multiplied: all but the conjugate halves of the Hermitian columns kx = 0 and kx = nw/2.
  const mult = bins - ((nh - 1) >> 1) * (nw % 2 === 0 ? 2 : 1);
  const passes = Math.ceil(steps / chunk);
  const gemm = (mult * steps * g.cout * g.cinp * 4) / FFT_MACS_PER_NS + passes * mult * (FFT_BIN_NS + (8 * g.cout * g.cinp) / FFT_SPECTRUM_BYTES_PER_NS);
  // One 2-D transform of four channels: rows along x in pairs, then columns along y, plus the gathers/scatters.
  const image = (h: number) => ((h + 1) >> 1) * nw * fftStages(nw) + mw * nh * fftStages(nh) + 2 * nh * mw + nw * ((h + 1) >> 1);
  const transforms = steps * ((g.coutp / 4) * image(g.hout) + (g.cinp / 4) * image(g.hin)) * FFT_ELEMENT_NS;
  return { direct, fft: gemm + transforms };
}

// Calibration of backwardInputCost (bench/slayer-kernels.ts, AMD EPYC, Node 20): the direct GEMMs run at ~24
// multiply-adds per ns (padding lanes included) while gz and gx stay in the caches (~8 MiB), and at ~10 bytes per ns
// of their sweeps beyond (Exp 4-like maps: 0.7–1 s per sample against ~0.6 s of arithmetic); the per-bin complex
// GEMMs at ~21 real multiply-adds per ns, plus the weight spectrum (read once per chunk of steps) at ~12 bytes per
// ns; a transform costs ~0.8 ns per unit of `image`.
const DIRECT_MACS_PER_NS = 24;
const DIRECT_CALL_NS = 40;
const DIRECT_CACHE_BYTES = 8 * 2 ** 20;
const DIRECT_BYTES_PER_NS = 10;
const FFT_MACS_PER_NS = 21;
const FFT_BIN_NS = 20;
const FFT_SPECTRUM_BYTES_PER_NS = 12;
const FFT_ELEMENT_NS = 0.8;

/** True when the FFT path is expected to beat the direct one for this many steps (plan null: false). */
export function backwardFftFaster(g: ConvGeometry, steps: number, plan: BackwardFftPlan | null): boolean {
  if (!plan || steps <= 0) return false;
  const c = backwardInputCost(g, steps, plan);
  return c.fft < c.direct;
}

/**
 * Visits every (input spike at a step t < tEnd, kernel offset) pair of a convolution whose output position falls
 * inside the output map, in the order the kernels sum: `zb` is the output row's first element (activation layout),
 * `wb` the weight row's (weight layout), `amp` the spike's value.
 */
function forEachSpikeTap(g: ConvGeometry, x: SpikeRows, tEnd: number, visit: (zb: number, wb: number, amp: number) => void): void {
  const { cin, coutp, win, hout, wout, kh, kw, stride, pad, T } = g;
  const { rowPtr, chan, value } = x;
  const vals = x.vals ?? null;
  const rows = g.hin * win * T;
  for (let r = 0; r < rows; r++) {
    const a = rowPtr[r];
    const b = rowPtr[r + 1];
    if (a === b) continue;
    const t = r % T;
    if (t >= tEnd) continue;
    const p = (r - t) / T;
    const y = (p / win) | 0;
    const xx = p - y * win;
    for (let ky = 0; ky < kh; ky++) {
      const ny = y + pad - ky;
      if (ny < 0) break;
      if (ny % stride !== 0) continue;
      const oy = ny / stride;
      if (oy >= hout) continue;
      for (let kx = 0; kx < kw; kx++) {
        const nx = xx + pad - kx;
        if (nx < 0) break;
        if (nx % stride !== 0) continue;
        const ox = nx / stride;
        if (ox >= wout) continue;
        const zb = ((oy * wout + ox) * T + t) * coutp;
        const wk = (ky * kw + kx) * cin;
        for (let k = a; k < b; k++) visit(zb, (wk + chan[k]) * coutp, vals ? vals[k] : value);
      }
    }
  }
}

/** The plain TypeScript kernels (any float storage; arithmetic in float64, rounded on store). */
export const JS_SLAYER_KERNELS: SlayerKernels = {
  backend: 'js',

  convForward(g, x, w, z) {
    const coutp = g.coutp;
    forEachSpikeTap(g, x, g.T, (zb, wb, amp) => {
      for (let co = 0; co < coutp; co++) z[zb + co] += amp * w[wb + co];
    });
  },

  convWeightGrad(g, x, gz, gw, tEnd = g.T) {
    const coutp = g.coutp;
    forEachSpikeTap(g, x, tEnd, (zb, wb, amp) => {
      for (let co = 0; co < coutp; co++) gw[wb + co] += amp * gz[zb + co];
    });
  },

  // The twins are the reference: always the direct sums (`fft` is ignored).
  convBackwardInput(g, gz, wt, gx, t0 = 0, t1 = g.T) {
    const { cout, cinp, coutp, hin, win, hout, wout, kh, kw, stride, pad, T } = g;
    for (let oy = 0; oy < hout; oy++) {
      for (let ox = 0; ox < wout; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * stride - pad + ky;
          if (y < 0 || y >= hin) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * stride - pad + kx;
            if (x < 0 || x >= win) continue;
            const wk = (ky * kw + kx) * cout;
            for (let t = t0; t < t1; t++) {
              const zb = ((oy * wout + ox) * T + t) * coutp;
              const xb = ((y * win + x) * T + t) * cinp;
              for (let co = 0; co < cout; co++) {
                const gv = gz[zb + co];
                if (gv === 0) continue;
                const wb = (wk + co) * cinp;
                for (let ci = 0; ci < cinp; ci++) gx[xb + ci] += gv * wt[wb + ci];
              }
            }
          }
        }
      }
    }
  },

  prepareBackwardInput() {
    // Nothing to prepare: the twins do not use the FFT path.
  },

  poolForward(g, x, z) {
    const { cp, win, hout, wout, k, stride, T } = g;
    const { rowPtr, chan, value } = x;
    const vals = x.vals ?? null;
    const rows = g.hin * win * T;
    for (let r = 0; r < rows; r++) {
      const a = rowPtr[r];
      const b = rowPtr[r + 1];
      if (a === b) continue;
      const t = r % T;
      const p = (r - t) / T;
      const y = (p / win) | 0;
      const xx = p - y * win;
      // Windows containing y: oy·s ≤ y < oy·s + k.
      const oy0 = Math.max(0, Math.ceil((y - k + 1) / stride));
      const oy1 = Math.min(hout - 1, Math.floor(y / stride));
      const ox0 = Math.max(0, Math.ceil((xx - k + 1) / stride));
      const ox1 = Math.min(wout - 1, Math.floor(xx / stride));
      for (let oy = oy0; oy <= oy1; oy++) {
        for (let ox = ox0; ox <= ox1; ox++) {
          const zb = ((oy * wout + ox) * T + t) * cp;
          for (let j = a; j < b; j++) z[zb + chan[j]] += vals ? vals[j] : value;
        }
      }
    }
  },

  poolBackwardInput(g, gz, gx) {
    const { cp, win, hout, wout, k, stride, T } = g;
    for (let oy = 0; oy < hout; oy++) {
      for (let ox = 0; ox < wout; ox++) {
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const y = oy * stride + ky;
            const x = ox * stride + kx;
            const zb = (oy * wout + ox) * T * cp;
            const xb = (y * win + x) * T * cp;
            for (let i = 0; i < T * cp; i++) gx[xb + i] += gz[zb + i];
          }
        }
      }
    }
  },

  alifForward(P, T, cp, z, c, u, v, delta, s) {
    const { ku, kv, kth, kr, theta0, step } = c;
    for (let p = 0; p < P; p++) {
      for (let ch = 0; ch < cp; ch++) {
        let U = 0;
        let V = 0;
        let R = 0;
        let TH = theta0;
        for (let t = 0; t < T; t++) {
          const i = (p * T + t) * cp + ch;
          U = ku * U + z[i];
          V = kv * V + U;
          R = kr * R;
          TH = kth * (TH - theta0) + theta0;
          const d = V - (TH + R);
          u[i] = U;
          v[i] = V;
          delta[i] = d;
          if (V >= TH + R) {
            s[i] = 1;
            R += 2 * TH;
            TH += step;
          } else {
            s[i] = 0;
          }
        }
      }
    }
  },

  cubaForward(P, T, cp, z, c, u, v, delta, s) {
    const { ku, kv, theta } = c;
    for (let p = 0; p < P; p++) {
      for (let ch = 0; ch < cp; ch++) {
        let U = 0;
        let V = 0;
        for (let t = 0; t < T; t++) {
          const i = (p * T + t) * cp + ch;
          U = ku * U + z[i];
          V = kv * V + U;
          u[i] = U;
          delta[i] = V - theta;
          if (V >= theta) {
            s[i] = 1;
            V = 0;
          } else {
            s[i] = 0;
          }
          v[i] = V;
        }
      }
    }
  },

  neuronBackward(P, T, cp, gs, delta, u, v, ku, kv, surA, surTau, gz, acc, tEnd = T, decays = true) {
    let accU = 0;
    let accV = 0;
    for (let p = 0; p < P; p++) {
      for (let ch = 0; ch < cp; ch++) {
        let gU = 0;
        let gZ = 0;
        for (let t = T - 1; t >= tEnd; t--) gz[(p * T + t) * cp + ch] = 0;
        for (let t = tEnd - 1; t >= 0; t--) {
          const i = (p * T + t) * cp + ch;
          const gV = gs[i] * surA * Math.exp(-Math.abs(delta[i]) / surTau);
          gU = kv * gU + gV;
          gZ = ku * gZ + gU;
          gz[i] = gZ;
          if (t > 0 && decays) {
            accV += gU * v[i - cp];
            accU += gZ * u[i - cp];
          }
        }
      }
    }
    acc[0] += accU;
    acc[1] += accV;
  },

  emitSpikes(P, T, C, cp, s, keep, shift, rowPtr, chan) {
    let n = 0;
    for (let p = 0; p < P; p++) {
      for (let t = 0; t < T; t++) {
        rowPtr[p * T + t] = n;
        for (let c = 0; c < C; c++) {
          const tt = t - shift[c];
          if (tt < 0) continue;
          if (s[(p * T + tt) * cp + c] !== 0 && (keep === null || keep[p * cp + c] !== 0)) chan[n++] = c;
        }
      }
    }
    rowPtr[P * T] = n;
    return n;
  },

  spikeGradient(P, T, C, cp, gy, s, keep, shift, scale, gs, gradDelay, withDelay = true) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < cp; c++) {
        const sh = c < C ? shift[c] : 0;
        const m = c >= C ? 0 : keep === null ? scale : keep[p * cp + c] * scale;
        let dsum = 0;
        for (let t = 0; t < T; t++) {
          const i = (p * T + t) * cp + c;
          const src = t + sh;
          gs[i] = src < T && m !== 0 ? gy[(p * T + src) * cp + c] * m : 0;
          if (m !== 0) {
            const yt = t - sh >= 0 ? m * s[(p * T + t - sh) * cp + c] : 0;
            const yn = t + 1 < T && t + 1 - sh >= 0 ? m * s[(p * T + t + 1 - sh) * cp + c] : 0;
            dsum += gy[i] * (yt - yn);
          }
        }
        if (c < C && withDelay) gradDelay[c] += dsum;
      }
    }
  },
};
