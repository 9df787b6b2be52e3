/**
 * The SNN engines' hot loops, twice: as WebAssembly SIMD kernels (AssemblyScript, `src/kernels/wasm/snn.ts`,
 * compiled to `src/kernels/wasm/build/snn.wasm`) and as plain TypeScript twins with the same float32 rounding
 * (one rounding per operation, same order), so both give bit-identical results; `test/kernels/` checks it.
 *
 * Memory model: every array a kernel touches must come from the {@link KernelContext} that owns the kernels
 * (for wasm: the instance's linear memory). Arrays are reserved first ({@link KernelContext.f32}) and become
 * usable after {@link KernelContext.commit}, which sizes the memory once, so views never detach afterwards.
 * Vectors of neurons are padded to a multiple of 4 lanes ({@link pad4}); weight rows have a stride that is a
 * multiple of 4 floats.
 */
import { Arena, loadKernelModule, type ArenaSlot } from './arena.js';

/** Which implementation runs the kernels. */
export type KernelBackend = 'wasm' | 'js';

/** The kernel functions; arguments are arrays from the owning context and plain numbers. */
export interface SnnKernels {
  readonly backend: KernelBackend;
  /** out[j] += w[rows[0]][j] + w[rows[1]][j] + … (rows added in order) for j < stride. */
  addRows(w: Float32Array, stride: number, rows: Int32Array, nRows: number, out: Float32Array): void;
  /**
   * One step of LIF neurons on n4 lanes (BindsNET `LIFNodes`); writes spiking indices below nReal to `spikes`
   * in ascending order and returns their number.
   */
  lifStep(
    n4: number, nReal: number, v: Float32Array, refrac: Float32Array, input: Float32Array,
    rest: number, reset: number, thresh: number, decay: number, refracPeriod: number, dt: number, lbound: number,
    spikes: Int32Array,
  ): number;
  /** As lifStep with an adaptive threshold theta (BindsNET `AdaptiveLIFNodes`); theta changes only while learning. */
  adaptiveStep(
    n4: number, nReal: number, v: Float32Array, refrac: Float32Array, theta: Float32Array, input: Float32Array,
    rest: number, reset: number, thresh: number, decay: number, refracPeriod: number, dt: number, lbound: number,
    thetaDecay: number, thetaPlus: number, learning: boolean, spikes: Int32Array,
  ): number;
  /** out[j] = |w[0][j]| + |w[1][j]| + … (in row order, from 0) for j < stride. */
  colAbsSum(w: Float32Array, nRows: number, stride: number, out: Float32Array): void;
  /**
   * w[i][j] ← w[i][j]·factor[j] for every row, then clamped to [lo, hi] when `clamp`; `sums` receives the new
   * column sums Σ_i |w[i][j]| (as {@link SnnKernels.colAbsSum} would compute them).
   */
  scaleColumns(
    w: Float32Array, nRows: number, stride: number, factor: Float32Array, lo: number, hi: number, clamp: boolean, sums: Float32Array,
  ): void;
  /** x[k] ← clamp(x[k], lo, hi) for k < n4. */
  clampAll(x: Float32Array, n4: number, lo: number, hi: number): void;
  /** x[k] ← x[k]·a for k < n4, then clamped when `clamp` (weight decay followed by the bounds). */
  scaleAll(x: Float32Array, n4: number, a: number, lo: number, hi: number, clamp: boolean): void;
}

/** Smallest multiple of 4 that is ≥ n. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A reserved array; `view()` is valid once its context is committed. */
export type Slot<A> = ArenaSlot<A>;

/** True when the wasm SIMD kernels can be used on this machine (else the reason is in {@link wasmUnavailableReason}). */
export function wasmAvailable(): boolean {
  return loadKernelModule('snn').module !== null;
}

/** Why {@link wasmAvailable} is false ('' when it is true). */
export function wasmUnavailableReason(): string {
  return loadKernelModule('snn').error;
}

/**
 * Owns the memory of one engine instance (one network) and the kernels that work on it: an {@link Arena} on the
 * snn kernel module. Reserve arrays, call {@link commit}, then take views.
 */
export class KernelContext {
  readonly kernels: SnnKernels;
  readonly backend: KernelBackend;
  private readonly arena: Arena;

  /**
   * @param backend 'wasm' (default when available), 'js' (plain TypeScript twins) or 'auto'.
   */
  constructor(backend: KernelBackend | 'auto' = 'auto') {
    const useWasm = backend === 'wasm' || (backend === 'auto' && wasmAvailable());
    if (backend === 'wasm' && !wasmAvailable()) throw new Error(`wasm kernels unavailable: ${wasmUnavailableReason()}`);
    this.backend = useWasm ? 'wasm' : 'js';
    this.arena = new Arena(useWasm ? loadKernelModule('snn').module : null);
    this.kernels = useWasm ? new WasmKernels(this) : JS_KERNELS;
  }

  /** Reserves a zero-filled float32 array of `length` elements (64-byte aligned, room for a partial SIMD vector). */
  f32(length: number): Slot<Float32Array> {
    return this.arena.f32(length);
  }

  /** Reserves a zero-filled int32 array of `length` elements (64-byte aligned). */
  i32(length: number): Slot<Int32Array> {
    return this.arena.i32(length);
  }

  /** Bytes reserved so far. */
  get reservedBytes(): number {
    return this.arena.reservedBytes;
  }

  /** Allocates every reservation (one memory of the right size for wasm). */
  commit(): void {
    this.arena.commit();
  }

  /** The wasm memory's buffer (wasm backend, after commit). */
  memoryBuffer(): ArrayBufferLike {
    if (this.backend !== 'wasm') throw new Error('KernelContext: not a wasm context');
    return this.arena.buffer();
  }

  /** The wasm exports (wasm backend, after commit). */
  exports(): Record<string, Function> {
    return this.arena.exports();
  }
}

type TypedArray = Float32Array | Int32Array;

/** Kernels that call the wasm instance of a context. */
class WasmKernels implements SnnKernels {
  readonly backend = 'wasm' as const;
  private fns: Record<string, Function> | null = null;
  private buffer: ArrayBufferLike | null = null;
  constructor(private readonly ctx: KernelContext) {}

  private get x(): Record<string, Function> {
    return this.fns ?? (this.fns = this.ctx.exports());
  }

  /** Pointers are byte offsets: an array from elsewhere would silently address the wrong memory. */
  private own(a: TypedArray, b?: TypedArray, c?: TypedArray, d?: TypedArray, e?: TypedArray): void {
    const buf = this.buffer ?? (this.buffer = this.ctx.memoryBuffer());
    // Fixed arity (no rest array): this runs several times per simulated step.
    if (a.buffer !== buf || (b && b.buffer !== buf) || (c && c.buffer !== buf) || (d && d.buffer !== buf) || (e && e.buffer !== buf)) {
      throw new Error('wasm kernel given an array outside its KernelContext');
    }
  }

  addRows(w: Float32Array, stride: number, rows: Int32Array, nRows: number, out: Float32Array): void {
    this.own(w, rows, out);
    this.x.addRows(w.byteOffset, stride, rows.byteOffset, nRows, out.byteOffset);
  }

  lifStep(
    n4: number, nReal: number, v: Float32Array, refrac: Float32Array, input: Float32Array,
    rest: number, reset: number, thresh: number, decay: number, refracPeriod: number, dt: number, lbound: number,
    spikes: Int32Array,
  ): number {
    this.own(v, refrac, input, spikes);
    return this.x.lifStep(n4, nReal, v.byteOffset, refrac.byteOffset, input.byteOffset, rest, reset, thresh, decay, refracPeriod, dt, lbound, spikes.byteOffset);
  }

  adaptiveStep(
    n4: number, nReal: number, v: Float32Array, refrac: Float32Array, theta: Float32Array, input: Float32Array,
    rest: number, reset: number, thresh: number, decay: number, refracPeriod: number, dt: number, lbound: number,
    thetaDecay: number, thetaPlus: number, learning: boolean, spikes: Int32Array,
  ): number {
    this.own(v, refrac, theta, input, spikes);
    return this.x.adaptiveStep(
      n4, nReal, v.byteOffset, refrac.byteOffset, theta.byteOffset, input.byteOffset,
      rest, reset, thresh, decay, refracPeriod, dt, lbound, thetaDecay, thetaPlus, learning ? 1 : 0, spikes.byteOffset,
    );
  }

  colAbsSum(w: Float32Array, nRows: number, stride: number, out: Float32Array): void {
    this.own(w, out);
    this.x.colAbsSum(w.byteOffset, nRows, stride, out.byteOffset);
  }

  scaleColumns(
    w: Float32Array, nRows: number, stride: number, factor: Float32Array, lo: number, hi: number, clamp: boolean, sums: Float32Array,
  ): void {
    this.own(w, factor, sums);
    this.x.scaleColumns(w.byteOffset, nRows, stride, factor.byteOffset, lo, hi, clamp ? 1 : 0, sums.byteOffset);
  }

  clampAll(x: Float32Array, n4: number, lo: number, hi: number): void {
    this.own(x);
    this.x.clampAll(x.byteOffset, n4, lo, hi);
  }

  scaleAll(x: Float32Array, n4: number, a: number, lo: number, hi: number, clamp: boolean): void {
    this.own(x);
    this.x.scaleAll(x.byteOffset, n4, a, lo, hi, clamp ? 1 : 0);
  }
}

const f = Math.fround;

/** torch.clamp on one float32 value (NaN passes through). */
function clamp32(x: number, lo: number, hi: number): number {
  const y = x < lo ? lo : x;
  return hi < y ? hi : y;
}

/** Plain TypeScript twins: each operation rounded to float32 as the wasm f32 instructions do. */
export const JS_KERNELS: SnnKernels = {
  backend: 'js',

  addRows(w, stride, rows, nRows, out) {
    for (let k = 0; k < nRows; k++) {
      const base = rows[k] * stride;
      // A Float32Array store rounds once; for one addition of two float32 values that equals float32 addition.
      for (let j = 0; j < stride; j++) out[j] += w[base + j];
    }
  },

  lifStep(n4, nReal, v, refrac, input, rest, reset, thresh, decay, refracPeriod, dt, lbound, spikes) {
    rest = f(rest); reset = f(reset); thresh = f(thresh); decay = f(decay);
    refracPeriod = f(refracPeriod); dt = f(dt); lbound = f(lbound);
    let count = 0;
    for (let i = 0; i < n4; i++) {
      let vv = f(f(f(v[i] - rest) * decay) + rest);
      const r = refrac[i];
      if (r <= 0) vv = f(vv + input[i]);
      let rr = f(r - dt);
      const s = vv >= thresh;
      if (s) {
        rr = refracPeriod;
        vv = reset;
      }
      if (vv < lbound) vv = lbound;
      v[i] = vv;
      refrac[i] = rr;
      if (s && i < nReal) spikes[count++] = i;
    }
    return count;
  },

  adaptiveStep(n4, nReal, v, refrac, theta, input, rest, reset, thresh, decay, refracPeriod, dt, lbound, thetaDecay, thetaPlus, learning, spikes) {
    rest = f(rest); reset = f(reset); thresh = f(thresh); decay = f(decay);
    refracPeriod = f(refracPeriod); dt = f(dt); lbound = f(lbound); thetaDecay = f(thetaDecay); thetaPlus = f(thetaPlus);
    let count = 0;
    for (let i = 0; i < n4; i++) {
      let vv = f(f(f(v[i] - rest) * decay) + rest);
      let th = theta[i];
      if (learning) th = f(th * thetaDecay);
      const r = refrac[i];
      if (r <= 0) vv = f(vv + input[i]);
      let rr = f(r - dt);
      const s = vv >= f(thresh + th);
      if (s) {
        rr = refracPeriod;
        vv = reset;
      }
      if (vv < lbound) vv = lbound;
      if (learning && s) th = f(th + thetaPlus);
      v[i] = vv;
      refrac[i] = rr;
      theta[i] = th;
      if (s && i < nReal) spikes[count++] = i;
    }
    return count;
  },

  colAbsSum(w, nRows, stride, out) {
    out.fill(0, 0, stride);
    for (let i = 0; i < nRows; i++) {
      const base = i * stride;
      for (let j = 0; j < stride; j++) out[j] += Math.abs(w[base + j]);
    }
  },

  scaleColumns(w, nRows, stride, factor, lo, hi, clamp, sums) {
    lo = f(lo);
    hi = f(hi);
    sums.fill(0, 0, stride);
    for (let i = 0; i < nRows; i++) {
      const base = i * stride;
      for (let j = 0; j < stride; j++) {
        let x = f(w[base + j] * factor[j]);
        if (clamp) x = clamp32(x, lo, hi);
        w[base + j] = x;
        sums[j] += Math.abs(x);
      }
    }
  },

  clampAll(x, n4, lo, hi) {
    lo = f(lo);
    hi = f(hi);
    for (let k = 0; k < n4; k++) x[k] = clamp32(x[k], lo, hi);
  },

  scaleAll(x, n4, a, lo, hi, clamp) {
    a = f(a);
    lo = f(lo);
    hi = f(hi);
    for (let k = 0; k < n4; k++) {
      const y = f(x[k] * a);
      x[k] = clamp ? clamp32(y, lo, hi) : y;
    }
  },
};
