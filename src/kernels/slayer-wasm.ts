/**
 * WebAssembly SIMD versions of the surrogate-gradient kernels ({@link SlayerKernels}): AssemblyScript source
 * `src/kernels/wasm/slayer.ts`, compiled by `npm run build:wasm:slayer` to `src/kernels/wasm/build/slayer.wasm`.
 *
 * The kernels address memory by byte offset, so every array they are given must be a view of the {@link Arena}
 * they were created for (an arena built on the slayer module: `new Arena(slayerModule())`, see
 * {@link createSlayerArena}); an array from elsewhere throws. Float data must be Float32Array (the wasm kernels
 * are float32 only; the float64 test mode uses {@link JS_SLAYER_KERNELS}); the decay/delay gradient accumulators
 * (`acc`, `gradDelay`) are Float64Array views of the arena, and the CSR arrays and `shift` Int32Array views.
 *
 * Numerics versus the twins (which compute in float64 and round on store): every wasm operation rounds to float32,
 * so results agree to a few float32 ulps of the sums involved (test/kernels/slayer-kernels.test.ts checks 1e-5 of
 * the magnitudes; the FFT path of convBackwardInput is measured below 1e-6 of them); neuronBackward's exp is a
 * float32 polynomial (relative error < 2e-7, 0 below −87) and its decay-gradient sums are float32 per neuron
 * (T terms) then float64 across neurons.
 *
 * The FFT path of convBackwardInput (stride-1 layers with large kernels). The engine, for each conv layer g whose
 * input gradient it computes, before committing its arena:
 *
 *   const plan = planBackwardFft(g);                       // null for stride ≠ 1
 *   if (plan && backwardFftFaster(g, maxSteps, plan)) {    // maxSteps: the largest window it will pass
 *     spectrum = arena.f32(plan.spectrumLength);           // per layer
 *     scratchLength = Math.max(scratchLength, plan.scratchLength);
 *   }
 *   … one arena.f32(scratchLength) shared by the layers …
 *
 * then, with fft = { plan, spectrum: spectrum.view(), scratch: scratch.view() }, calls
 * kernels.prepareBackwardInput(g, wt, fft) after every change of wt, and passes fft as the last argument of
 * kernels.convBackwardInput(g, gz, wt, gx, t0, t1, fft): each call takes the FFT path when the cost model says so
 * for its t1 − t0 steps, the direct path otherwise. The TypeScript twins ignore fft (and prepare nothing).
 */
import { Arena, loadKernelModule } from './arena.js';
import {
  JS_SLAYER_KERNELS,
  backwardFftFaster,
  backwardFftLengths,
  backwardFftSizes,
  type AlifConstants,
  type BackwardFft,
  type ConvGeometry,
  type CubaConstants,
  type PoolGeometry,
  type Real,
  type SlayerKernels,
  type SpikeRows,
} from './slayer-kernels.js';

/** The compiled slayer module, or null (reason: {@link slayerWasmUnavailableReason}). */
export function slayerModule(): WebAssembly.Module | null {
  return loadKernelModule('slayer').module;
}

/** True when the wasm SIMD slayer kernels can run here. */
export function slayerWasmAvailable(): boolean {
  return slayerModule() !== null;
}

/** Why {@link slayerWasmAvailable} is false ('' when it is true). */
export function slayerWasmUnavailableReason(): string {
  return loadKernelModule('slayer').error;
}

/**
 * A fresh arena for the slayer kernels: on the wasm module when `backend` is 'wasm' (throws if unavailable) or
 * 'auto' and available, else on a plain ArrayBuffer (for {@link JS_SLAYER_KERNELS}).
 */
export function createSlayerArena(backend: 'wasm' | 'js' | 'auto' = 'auto'): Arena {
  if (backend === 'js') return new Arena(null);
  const m = slayerModule();
  if (!m && backend === 'wasm') throw new Error(`slayer wasm kernels unavailable: ${slayerWasmUnavailableReason()}`);
  return new Arena(m);
}

/**
 * The kernels for an arena: {@link WasmSlayerKernels} on it, or the plain TypeScript twins when `arena` is null.
 * The arena must be built on {@link slayerModule} (checked at the first call, after commit).
 */
export function createSlayerKernels(arena: Arena | null): SlayerKernels {
  return arena ? new WasmSlayerKernels(arena) : JS_SLAYER_KERNELS;
}

interface Exports {
  convForward(...a: number[]): void;
  convWeightGrad(...a: number[]): void;
  convBackwardInput(...a: number[]): void;
  fftPrepareBackward(...a: number[]): void;
  fftConvBackwardInput(...a: number[]): void;
  poolForward(...a: number[]): void;
  poolBackwardInput(...a: number[]): void;
  alifForward(...a: number[]): void;
  cubaForward(...a: number[]): void;
  neuronBackward(...a: number[]): void;
  emitSpikes(...a: number[]): number;
  spikeGradient(...a: number[]): void;
  expNegArray(src: number, dst: number, n: number): void;
}

type Arr = Float32Array | Float64Array | Int32Array;

function fail(kernel: string, msg: string): never {
  throw new Error(`slayer wasm ${kernel}: ${msg}`);
}

function checkConv(g: ConvGeometry, kernel: string): void {
  if (!(g.stride >= 1 && g.pad >= 0 && g.T >= 1)) fail(kernel, `bad geometry (stride ${g.stride}, pad ${g.pad}, T ${g.T})`);
  if (g.cinp % 4 !== 0 || g.coutp % 4 !== 0 || g.cinp < g.cin || g.coutp < g.cout) fail(kernel, `channels must be padded to 4 (cin ${g.cin}/${g.cinp}, cout ${g.cout}/${g.coutp})`);
}

/** What a weight spectrum depends on besides the weights. */
function geometryKey(g: ConvGeometry, fft: BackwardFft): string {
  return [g.cout, g.cinp, g.kh, g.kw, fft.plan.nh, fft.plan.nw].join(',');
}

function checkPool(g: PoolGeometry, kernel: string): void {
  if (!(g.stride >= 1 && g.k >= 1 && g.T >= 1) || g.cp % 4 !== 0 || g.cp < g.c) fail(kernel, 'bad pooling geometry');
  if ((g.hout - 1) * g.stride + g.k > g.hin || (g.wout - 1) * g.stride + g.k > g.win) fail(kernel, 'pooling windows leave the input map');
}

/**
 * {@link SlayerKernels} calling the wasm exports of a committed arena. Geometry and constants travel as scalars,
 * arrays as byte offsets; array ownership, element type and minimal lengths are checked on every call (a wrong
 * pointer would silently corrupt the arena).
 */
export class WasmSlayerKernels implements SlayerKernels {
  readonly backend = 'wasm' as const;
  private fns: Exports | null = null;
  private buf: ArrayBufferLike | null = null;
  /** Weight spectra prepared by this instance: spectrum → what it was computed from. */
  private readonly prepared = new WeakMap<Real, { wt: number; key: string }>();

  constructor(private readonly arena: Arena) {}

  private get x(): Exports {
    if (this.fns) return this.fns;
    const e = this.arena.exports() as unknown as Exports;
    if (typeof e.convBackwardInput !== 'function' || typeof e.neuronBackward !== 'function') {
      throw new Error('WasmSlayerKernels: the arena is not built on the slayer module (use createSlayerArena() or new Arena(slayerModule()))');
    }
    this.buf = this.arena.buffer();
    return (this.fns = e);
  }

  /** Byte offset of `a` after checking that it is a view of the arena of the expected type and length. */
  private ptr(kernel: string, name: string, a: Arr, type: 'f32' | 'f64' | 'i32', minLength: number): number {
    if (a.buffer !== this.buf) fail(kernel, `${name} is not an array of this kernel arena (wasm kernels address the arena's memory by byte offset)`);
    const ok = type === 'f32' ? a instanceof Float32Array : type === 'f64' ? a instanceof Float64Array : a instanceof Int32Array;
    if (!ok) {
      fail(kernel, type === 'f32' ? `${name} must be a Float32Array (the wasm kernels are float32; use JS_SLAYER_KERNELS for float64)`
        : `${name} must be a ${type === 'f64' ? 'Float64Array' : 'Int32Array'}`);
    }
    if (a.length < minLength) fail(kernel, `${name} has ${a.length} elements, needs ${minLength}`);
    return a.byteOffset;
  }

  private rows(kernel: string, x: SpikeRows, nRows: number): [number, number] {
    if (x.vals) fail(kernel, 'per-entry spike values (SpikeRows.vals, the smooth test mode) are TypeScript-only');
    const rp = this.ptr(kernel, 'rowPtr', x.rowPtr, 'i32', nRows + 1);
    const ch = this.ptr(kernel, 'chan', x.chan, 'i32', x.rowPtr[nRows]);
    return [rp, ch];
  }

  convForward(g: ConvGeometry, xs: SpikeRows, w: Real, z: Real): void {
    const x = this.x;
    const k = 'convForward';
    checkConv(g, k);
    const [rp, ch] = this.rows(k, xs, g.hin * g.win * g.T);
    x.convForward(
      g.cin, g.coutp, g.hin, g.win, g.hout, g.wout, g.kh, g.kw, g.stride, g.pad, g.T, rp, ch, xs.value,
      this.ptr(k, 'w', w, 'f32', g.kh * g.kw * g.cin * g.coutp), this.ptr(k, 'z', z, 'f32', g.hout * g.wout * g.T * g.coutp),
    );
  }

  convWeightGrad(g: ConvGeometry, xs: SpikeRows, gz: Real, gw: Real, tEnd = g.T): void {
    const x = this.x;
    const k = 'convWeightGrad';
    checkConv(g, k);
    const [rp, ch] = this.rows(k, xs, g.hin * g.win * g.T);
    x.convWeightGrad(
      g.cin, g.coutp, g.hin, g.win, g.hout, g.wout, g.kh, g.kw, g.stride, g.pad, g.T, rp, ch, xs.value,
      this.ptr(k, 'gz', gz, 'f32', g.hout * g.wout * g.T * g.coutp), this.ptr(k, 'gw', gw, 'f32', g.kh * g.kw * g.cin * g.coutp),
      Math.max(0, Math.min(g.T, tEnd)),
    );
  }

  convBackwardInput(g: ConvGeometry, gz: Real, wt: Real, gx: Real, t0 = 0, t1 = g.T, fft: BackwardFft | null = null): void {
    const x = this.x;
    const k = 'convBackwardInput';
    checkConv(g, k);
    if (!(Number.isInteger(t0) && Number.isInteger(t1) && 0 <= t0 && t1 <= g.T)) fail(k, `bad step window [${t0}, ${t1}) for T ${g.T}`);
    if (t1 <= t0) return;
    if (fft && backwardFftFaster(g, t1 - t0, fft.plan)) {
      this.fftCall(k, g, gz, wt, fft, gx, t0, t1);
      return;
    }
    x.convBackwardInput(
      g.cout, g.cinp, g.coutp, g.hin, g.win, g.hout, g.wout, g.kh, g.kw, g.stride, g.pad, g.T, t0, t1,
      this.ptr(k, 'gz', gz, 'f32', g.hout * g.wout * g.T * g.coutp), this.ptr(k, 'wt', wt, 'f32', g.kh * g.kw * g.cout * g.cinp),
      this.ptr(k, 'gx', gx, 'f32', g.hin * g.win * g.T * g.cinp),
    );
  }

  /**
   * The FFT path of {@link convBackwardInput} whatever the cost model says (stride 1; `fft` prepared for wt by
   * {@link prepareBackwardInput}): for tests and benchmarks.
   */
  convBackwardInputFft(g: ConvGeometry, gz: Real, wt: Real, fft: BackwardFft, gx: Real, t0 = 0, t1 = g.T): void {
    const k = 'convBackwardInputFft';
    checkConv(g, k);
    if (!(Number.isInteger(t0) && Number.isInteger(t1) && 0 <= t0 && t1 <= g.T)) fail(k, `bad step window [${t0}, ${t1}) for T ${g.T}`);
    if (t1 <= t0) return;
    this.fftCall(k, g, gz, wt, fft, gx, t0, t1);
  }

  prepareBackwardInput(g: ConvGeometry, wt: Real, fft: BackwardFft): void {
    const x = this.x;
    const k = 'prepareBackwardInput';
    checkConv(g, k);
    const { spec, scratch } = this.fftBuffers(k, g, fft);
    const { nh, nw } = fft.plan;
    // Twiddle tables w_N^j = (cos 2πj/N, −sin 2πj/N) for N = nh, then nw (computed here: the module has no trigonometry).
    const s = fft.spectrum;
    let o = 0;
    for (const n of [nh, nw]) {
      for (let j = 0; j < n; j++) {
        s[o++] = Math.cos((2 * Math.PI * j) / n);
        s[o++] = -Math.sin((2 * Math.PI * j) / n);
      }
    }
    const w = this.ptr(k, 'wt', wt, 'f32', g.kh * g.kw * g.cout * g.cinp);
    x.fftPrepareBackward(g.cout, g.cinp, g.kh, g.kw, nh, nw, w, spec, scratch);
    this.prepared.set(fft.spectrum, { wt: w, key: geometryKey(g, fft) });
  }

  /** Checks an FFT context against the geometry; byte offsets of its spectrum and scratch. */
  private fftBuffers(kernel: string, g: ConvGeometry, fft: BackwardFft): { spec: number; scratch: number } {
    const p = fft.plan;
    if (g.stride !== 1) fail(kernel, `the FFT path needs stride 1 (got ${g.stride})`);
    const min = backwardFftSizes(g);
    const nice = (n: number) => Number.isInteger(n) && n >= 1 && [2, 3, 5].reduce((m, f) => { while (m % f === 0) m /= f; return m; }, n) === 1;
    if (!(nice(p.nh) && nice(p.nw) && p.nh >= min.nh && p.nw >= min.nw)) fail(kernel, `plan ${p.nh}×${p.nw} does not fit the geometry (needs 2^a·3^b·5^c sizes ≥ ${min.nh}×${min.nw})`);
    if (!(Number.isInteger(p.chunk) && p.chunk >= 1)) fail(kernel, `bad chunk ${p.chunk}`);
    const len = backwardFftLengths(g, p.nh, p.nw, p.chunk);
    return {
      spec: this.ptr(kernel, 'fft.spectrum', fft.spectrum, 'f32', len.spectrumLength),
      scratch: this.ptr(kernel, 'fft.scratch', fft.scratch, 'f32', len.scratchLength),
    };
  }

  private fftCall(k: string, g: ConvGeometry, gz: Real, wt: Real, fft: BackwardFft, gx: Real, t0: number, t1: number): void {
    const x = this.x;
    const { spec, scratch } = this.fftBuffers(k, g, fft);
    const w = this.ptr(k, 'wt', wt, 'f32', g.kh * g.kw * g.cout * g.cinp);
    const prep = this.prepared.get(fft.spectrum);
    if (!prep || prep.wt !== w || prep.key !== geometryKey(g, fft)) {
      fail(k, 'fft.spectrum was not prepared for these weights and this geometry (call prepareBackwardInput after every change of wt)');
    }
    const p = fft.plan;
    x.fftConvBackwardInput(
      g.cout, g.cinp, g.coutp, g.hin, g.win, g.hout, g.wout, g.kh, g.kw, g.pad, g.T, t0, t1, p.nh, p.nw, p.chunk,
      this.ptr(k, 'gz', gz, 'f32', g.hout * g.wout * g.T * g.coutp), spec, this.ptr(k, 'gx', gx, 'f32', g.hin * g.win * g.T * g.cinp), scratch,
    );
  }

  poolForward(g: PoolGeometry, xs: SpikeRows, z: Real): void {
    const x = this.x;
    const k = 'poolForward';
    checkPool(g, k);
    const [rp, ch] = this.rows(k, xs, g.hin * g.win * g.T);
    x.poolForward(g.cp, g.hin, g.win, g.hout, g.wout, g.k, g.stride, g.T, rp, ch, xs.value, this.ptr(k, 'z', z, 'f32', g.hout * g.wout * g.T * g.cp));
  }

  poolBackwardInput(g: PoolGeometry, gz: Real, gx: Real): void {
    const x = this.x;
    const k = 'poolBackwardInput';
    checkPool(g, k);
    x.poolBackwardInput(
      g.cp, g.hin, g.win, g.hout, g.wout, g.k, g.stride, g.T,
      this.ptr(k, 'gz', gz, 'f32', g.hout * g.wout * g.T * g.cp), this.ptr(k, 'gx', gx, 'f32', g.hin * g.win * g.T * g.cp),
    );
  }

  alifForward(P: number, T: number, cp: number, z: Real, c: AlifConstants, u: Real, v: Real, delta: Real, s: Real): void {
    const x = this.x;
    const k = 'alifForward';
    if (cp % 4 !== 0) fail(k, `cp ${cp} is not a multiple of 4`);
    const n = P * T * cp;
    x.alifForward(
      P, T, cp, this.ptr(k, 'z', z, 'f32', n), c.ku, c.kv, c.kth, c.kr, c.theta0, c.step,
      this.ptr(k, 'u', u, 'f32', n), this.ptr(k, 'v', v, 'f32', n), this.ptr(k, 'delta', delta, 'f32', n), this.ptr(k, 's', s, 'f32', n),
    );
  }

  cubaForward(P: number, T: number, cp: number, z: Real, c: CubaConstants, u: Real, v: Real, delta: Real, s: Real): void {
    const x = this.x;
    const k = 'cubaForward';
    if (cp % 4 !== 0) fail(k, `cp ${cp} is not a multiple of 4`);
    const n = P * T * cp;
    x.cubaForward(
      P, T, cp, this.ptr(k, 'z', z, 'f32', n), c.ku, c.kv, c.theta,
      this.ptr(k, 'u', u, 'f32', n), this.ptr(k, 'v', v, 'f32', n), this.ptr(k, 'delta', delta, 'f32', n), this.ptr(k, 's', s, 'f32', n),
    );
  }

  neuronBackward(
    P: number, T: number, cp: number, gs: Real, delta: Real, u: Real, v: Real,
    ku: number, kv: number, surA: number, surTau: number, gz: Real, acc: Float64Array, tEnd = T, decays = true,
  ): void {
    const x = this.x;
    const k = 'neuronBackward';
    if (cp % 4 !== 0) fail(k, `cp ${cp} is not a multiple of 4`);
    const n = P * T * cp;
    x.neuronBackward(
      P, T, cp, this.ptr(k, 'gs', gs, 'f32', n), this.ptr(k, 'delta', delta, 'f32', n), this.ptr(k, 'u', u, 'f32', n),
      this.ptr(k, 'v', v, 'f32', n), ku, kv, surA, surTau, this.ptr(k, 'gz', gz, 'f32', n), this.ptr(k, 'acc', acc, 'f64', 2),
      Math.max(0, Math.min(T, tEnd)), decays ? 1 : 0,
    );
  }

  emitSpikes(P: number, T: number, C: number, cp: number, s: Real, keep: Real | null, shift: Int32Array, rowPtr: Int32Array, chan: Int32Array): number {
    const x = this.x;
    const k = 'emitSpikes';
    const n = x.emitSpikes(
      P, T, C, cp, this.ptr(k, 's', s, 'f32', P * T * cp), keep ? this.ptr(k, 'keep', keep, 'f32', P * cp) : 0,
      this.ptr(k, 'shift', shift, 'i32', C), this.ptr(k, 'rowPtr', rowPtr, 'i32', P * T + 1), this.ptr(k, 'chan', chan, 'i32', 0), chan.length,
    );
    if (n > chan.length) fail(k, `${n} spikes do not fit in chan (${chan.length} elements)`);
    return n;
  }

  spikeGradient(
    P: number, T: number, C: number, cp: number, gy: Real, s: Real, keep: Real | null, shift: Int32Array, scale: number,
    gs: Real, gradDelay: Float64Array, withDelay = true,
  ): void {
    const x = this.x;
    const k = 'spikeGradient';
    const n = P * T * cp;
    x.spikeGradient(
      P, T, C, cp, this.ptr(k, 'gy', gy, 'f32', n), this.ptr(k, 's', s, 'f32', n), keep ? this.ptr(k, 'keep', keep, 'f32', P * cp) : 0,
      this.ptr(k, 'shift', shift, 'i32', C), scale, this.ptr(k, 'gs', gs, 'f32', n), this.ptr(k, 'gradDelay', gradDelay, 'f64', C),
      withDelay ? 1 : 0,
    );
  }

  /** dst[i] = exp(src[i]) for i < n (a multiple of 4) and src[i] ≤ 0, with the kernels' float32 exp (for tests). */
  expNeg(src: Float32Array, dst: Float32Array, n: number): void {
    const x = this.x;
    if (n % 4 !== 0) fail('expNeg', `n ${n} is not a multiple of 4`);
    x.expNegArray(this.ptr('expNeg', 'src', src, 'f32', n), this.ptr('expNeg', 'dst', dst, 'f32', n), n);
  }
}
