/**
 * The surrogate-gradient kernels: the TypeScript twins agree with the textbook definitions of a 2-D convolution,
 * its transpose and its weight gradient (and of sum pooling) on dense arrays; the wasm SIMD kernels agree with the
 * twins in float32 to 1e-5 of the magnitudes of the sums (bit for bit where the summation order is the same),
 * spike outputs exactly; the wasm exp is accurate; foreign arrays are rejected; and the committed slayer.wasm is
 * the build of the committed AssemblyScript source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arena } from '../../src/kernels/arena.js';
import {
  JS_SLAYER_KERNELS as JS,
  backwardFftFaster,
  backwardFftSizes,
  fftSize,
  pad4,
  planBackwardFft,
  type BackwardFft,
  type ConvGeometry,
  type PoolGeometry,
  type SpikeRows,
} from '../../src/kernels/slayer-kernels.js';
import {
  createSlayerArena,
  createSlayerKernels,
  slayerWasmAvailable,
  slayerWasmUnavailableReason,
  WasmSlayerKernels,
} from '../../src/kernels/slayer-wasm.js';
import { Rng } from '../../src/util/rng.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------------------------------------
// Helpers

function conv(name: string, cin: number, cout: number, hin: number, win: number, kh: number, kw: number, stride: number, pad: number, T: number) {
  const g: ConvGeometry = {
    cin, cout, cinp: pad4(cin), coutp: pad4(cout), hin, win, kh, kw, stride, pad, T,
    hout: Math.floor((hin + 2 * pad - kh) / stride) + 1,
    wout: Math.floor((win + 2 * pad - kw) / stride) + 1,
  };
  return { name, g };
}

const CONVS = [
  conv('3×3 stride 1 pad 1', 5, 6, 7, 7, 3, 3, 1, 1, 7),
  conv('5×5 stride 2 pad 2, 9×8 map', 3, 10, 9, 8, 5, 5, 2, 2, 7),
  conv('4×4 stride 2 pad 1', 13, 33, 8, 8, 4, 4, 2, 1, 7),
  conv('3×3 stride 3 pad 2', 6, 4, 10, 11, 3, 3, 3, 2, 7),
  conv('2×3 kernel pad 1, 70 outputs', 9, 70, 5, 6, 2, 3, 1, 1, 7),
  conv('123 → 50, 3×3, T 25', 123, 50, 6, 6, 3, 3, 1, 0, 25),
  conv('dense as conv (3×5 map)', 7, 10, 3, 5, 3, 5, 1, 0, 7),
  conv('dense on a vector', 37, 10, 1, 1, 1, 1, 1, 0, 7),
];

function pool(name: string, c: number, hin: number, win: number, k: number, stride: number, T: number) {
  const g: PoolGeometry = {
    c, cp: pad4(c), hin, win, k, stride, T, hout: Math.floor((hin - k) / stride) + 1, wout: Math.floor((win - k) / stride) + 1,
  };
  return { name, g };
}

const POOLS = [pool('2×2 stride 2 on 7×7', 6, 7, 7, 2, 2, 7), pool('3×3 stride 1', 5, 6, 5, 3, 1, 7), pool('3×3 stride 2 on 9×8', 9, 9, 8, 3, 2, 25)];

/** Random CSR spikes over `rows` rows of `ch` channels at the given density (channels ascending). */
function randomSpikes(rng: Rng, rows: number, ch: number, density: number): { rowPtr: Int32Array; chan: Int32Array } {
  const rowPtr = new Int32Array(rows + 1);
  const list: number[] = [];
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = list.length;
    for (let c = 0; c < ch; c++) if (rng.random() < density) list.push(c);
  }
  rowPtr[rows] = list.length;
  return { rowPtr, chan: Int32Array.from(list) };
}

function randn(rng: Rng, n: number, scale = 1, offset = 0): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = offset + scale * rng.normal();
  return a;
}

type Kind = 'f32' | 'f64' | 'i32';

/** A committed wasm arena holding one array per entry (filled from `init` when given) and its kernels. */
function wasmArena<K extends string>(spec: Record<K, [Kind, number, ArrayLike<number>?]>) {
  const arena = createSlayerArena('wasm');
  const slots = {} as Record<K, { view(): Float32Array | Float64Array | Int32Array }>;
  for (const key of Object.keys(spec) as K[]) {
    const [kind, n] = spec[key];
    slots[key] = kind === 'f32' ? arena.f32(n) : kind === 'f64' ? arena.f64(n) : arena.i32(n);
  }
  arena.commit();
  const v = {} as Record<K, any>;
  for (const key of Object.keys(spec) as K[]) {
    v[key] = slots[key].view();
    const init = spec[key][2];
    if (init) v[key].set(init);
  }
  return { arena, k: createSlayerKernels(arena) as WasmSlayerKernels, v };
}

/** |got − want| ≤ rel·scale (elementwise scale, or one number) for every element. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number> | number, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < got.length; i++) {
    const s = typeof scale === 'number' ? scale : scale[i];
    const tol = rel * s + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}: element ${i}: ${got[i]} vs ${want[i]} (tolerance ${tol})`);
  }
}

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i}: ${got[i]} vs ${want[i]}`);
}

const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

// ---------------------------------------------------------------------------------------------------------
// Textbook definitions on dense arrays (float64)

/** Dense input x[((y·win + x)·T + t)·cin + ci] from CSR spikes. */
function denseInput(g: ConvGeometry | PoolGeometry, cin: number, s: SpikeRows): Float64Array {
  const X = new Float64Array(g.hin * g.win * g.T * cin);
  for (let r = 0; r < g.hin * g.win * g.T; r++) for (let j = s.rowPtr[r]; j < s.rowPtr[r + 1]; j++) X[r * cin + s.chan[j]] = s.value;
  return X;
}

/** z[(oy,ox,t), co] = Σ_{ky,kx,ci} x[(oy·s − pad + ky, ox·s − pad + kx, t), ci]·w[(ky,kx,ci), co] (zero padding). */
function naiveConv(g: ConvGeometry, X: Float64Array, w: ArrayLike<number>): Float64Array {
  const z = new Float64Array(g.hout * g.wout * g.T * g.coutp);
  for (let oy = 0; oy < g.hout; oy++) for (let ox = 0; ox < g.wout; ox++) for (let t = 0; t < g.T; t++) {
    for (let co = 0; co < g.coutp; co++) {
      let sum = 0;
      for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
        const y = oy * g.stride - g.pad + ky;
        const x = ox * g.stride - g.pad + kx;
        if (y < 0 || y >= g.hin || x < 0 || x >= g.win) continue;
        for (let ci = 0; ci < g.cin; ci++) sum += X[((y * g.win + x) * g.T + t) * g.cin + ci] * w[((ky * g.kw + kx) * g.cin + ci) * g.coutp + co];
      }
      z[((oy * g.wout + ox) * g.T + t) * g.coutp + co] = sum;
    }
  }
  return z;
}

/** gw[(ky,kx,ci), co] = Σ_{oy,ox,t} x[(oy·s − pad + ky, ox·s − pad + kx, t), ci]·gz[(oy,ox,t), co]. */
function naiveWeightGrad(g: ConvGeometry, X: Float64Array, gz: ArrayLike<number>): Float64Array {
  const gw = new Float64Array(g.kh * g.kw * g.cin * g.coutp);
  for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) for (let ci = 0; ci < g.cin; ci++) for (let co = 0; co < g.coutp; co++) {
    let sum = 0;
    for (let oy = 0; oy < g.hout; oy++) for (let ox = 0; ox < g.wout; ox++) {
      const y = oy * g.stride - g.pad + ky;
      const x = ox * g.stride - g.pad + kx;
      if (y < 0 || y >= g.hin || x < 0 || x >= g.win) continue;
      for (let t = 0; t < g.T; t++) sum += X[((y * g.win + x) * g.T + t) * g.cin + ci] * gz[((oy * g.wout + ox) * g.T + t) * g.coutp + co];
    }
    gw[((ky * g.kw + kx) * g.cin + ci) * g.coutp + co] = sum;
  }
  return gw;
}

/**
 * The transposed convolution as a gather: gx[(y,x,t), ci] = Σ over (ky, kx) with oy = (y + pad − ky)/s and
 * ox = (x + pad − kx)/s integral and inside the output of Σ_{co < cout} gz[(oy,ox,t), co]·w[(ky,kx,ci), co].
 */
function naiveConvTranspose(g: ConvGeometry, gz: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const gx = new Float64Array(g.hin * g.win * g.T * g.cinp);
  for (let y = 0; y < g.hin; y++) for (let x = 0; x < g.win; x++) for (let t = 0; t < g.T; t++) for (let ci = 0; ci < g.cin; ci++) {
    let sum = 0;
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const ny = y + g.pad - ky;
      const nx = x + g.pad - kx;
      if (ny < 0 || nx < 0 || ny % g.stride !== 0 || nx % g.stride !== 0) continue;
      const oy = ny / g.stride;
      const ox = nx / g.stride;
      if (oy >= g.hout || ox >= g.wout) continue;
      for (let co = 0; co < g.cout; co++) sum += gz[((oy * g.wout + ox) * g.T + t) * g.coutp + co] * w[((ky * g.kw + kx) * g.cin + ci) * g.coutp + co];
    }
    gx[((y * g.win + x) * g.T + t) * g.cinp + ci] = sum;
  }
  return gx;
}

/** wt[((ky·kw + kx)·cout + co)·cinp + ci] = w[((ky·kw + kx)·cin + ci)·coutp + co], zero in the padding lanes. */
function transposeWeights(g: ConvGeometry, w: ArrayLike<number>): Float64Array {
  const wt = new Float64Array(g.kh * g.kw * g.cout * g.cinp);
  for (let k = 0; k < g.kh * g.kw; k++) for (let ci = 0; ci < g.cin; ci++) for (let co = 0; co < g.cout; co++) {
    wt[(k * g.cout + co) * g.cinp + ci] = w[(k * g.cin + ci) * g.coutp + co];
  }
  return wt;
}

/** Sum pooling: z[(oy,ox,t), c] = Σ_{ky,kx < k} x[(oy·s + ky, ox·s + kx, t), c]. */
function naivePool(g: PoolGeometry, X: Float64Array): Float64Array {
  const z = new Float64Array(g.hout * g.wout * g.T * g.cp);
  for (let oy = 0; oy < g.hout; oy++) for (let ox = 0; ox < g.wout; ox++) for (let t = 0; t < g.T; t++) for (let c = 0; c < g.c; c++) {
    let sum = 0;
    for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) sum += X[(((oy * g.stride + ky) * g.win + ox * g.stride + kx) * g.T + t) * g.c + c];
    z[((oy * g.wout + ox) * g.T + t) * g.cp + c] = sum;
  }
  return z;
}

/** Convolution weights with zero padding lanes (co ≥ cout), as the engine stores them. */
function randomWeights(rng: Rng, g: ConvGeometry): Float64Array {
  const w = randn(rng, g.kh * g.kw * g.cin * g.coutp, 0.3);
  for (let i = 0; i < w.length; i++) if (i % g.coutp >= g.cout) w[i] = 0;
  return w;
}

// ---------------------------------------------------------------------------------------------------------

describe('slayer kernels: the TypeScript twins are the textbook operations', () => {
  for (const { name, g } of CONVS) {
    it(`convolution, its weight gradient and its transpose: ${name}`, () => {
      const rng = new Rng(`twin ${name}`);
      const sp = { ...randomSpikes(rng, g.hin * g.win * g.T, g.cin, 0.3), value: 1.25 };
      const X = denseInput(g, g.cin, sp);
      const w = randomWeights(rng, g);
      const nz = g.hout * g.wout * g.T * g.coutp;
      const z = new Float64Array(nz);
      JS.convForward(g, sp, w, z);
      close(z, naiveConv(g, X, w), 1, 1e-12, 'convForward');

      const gz = randn(rng, nz);
      const gw = new Float64Array(w.length);
      JS.convWeightGrad(g, sp, gz, gw);
      close(gw, naiveWeightGrad(g, X, gz), 1, 1e-12, 'convWeightGrad');

      const gx = new Float64Array(g.hin * g.win * g.T * g.cinp);
      JS.convBackwardInput(g, gz, transposeWeights(g, w), gx);
      close(gx, naiveConvTranspose(g, gz, w), 1, 1e-12, 'convBackwardInput');

      // Adjoint identity <conv(x), gz> = <x, convᵀ(gz)> on the real channels.
      let lhs = 0;
      for (let i = 0; i < nz; i++) if (i % g.coutp < g.cout) lhs += z[i] * gz[i];
      let rhs = 0;
      for (let r = 0; r < g.hin * g.win * g.T; r++) for (let ci = 0; ci < g.cin; ci++) rhs += X[r * g.cin + ci] * gx[r * g.cinp + ci];
      assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `adjoint: ${lhs} vs ${rhs}`);
    });
  }

  for (const { name, g } of POOLS) {
    it(`sum pooling and its transpose: ${name}`, () => {
      const rng = new Rng(`twin pool ${name}`);
      const sp = { ...randomSpikes(rng, g.hin * g.win * g.T, g.c, 0.3), value: 1.25 };
      const X = denseInput(g, g.c, sp);
      const z = new Float64Array(g.hout * g.wout * g.T * g.cp);
      JS.poolForward(g, sp, z);
      close(z, naivePool(g, X), 1, 1e-12, 'poolForward');
      const gz = randn(rng, z.length);
      for (let i = 0; i < gz.length; i++) if (i % g.cp >= g.c) gz[i] = 0;
      const gx = new Float64Array(g.hin * g.win * g.T * g.cp);
      JS.poolBackwardInput(g, gz, gx);
      let lhs = 0;
      for (let i = 0; i < z.length; i++) lhs += z[i] * gz[i];
      let rhs = 0;
      for (let r = 0; r < g.hin * g.win * g.T; r++) for (let c = 0; c < g.c; c++) rhs += X[r * g.c + c] * gx[r * g.cp + c];
      assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `adjoint: ${lhs} vs ${rhs}`);
    });
  }
});

describe('slayer kernels: wasm', () => {
  it('is available', () => {
    assert.ok(slayerWasmAvailable(), slayerWasmUnavailableReason());
  });

  it('exp(x) for x ≤ 0 to 2e-7 relative on [−87, 0], 0 below −87', () => {
    const xs: number[] = [];
    for (let x = -87; x <= 0; x += 0.00731) xs.push(x);
    for (let x = -1; x <= 0; x += 1.7e-5) xs.push(x);
    xs.push(0, -0, -1e-30, -87, -87.0001, -88, -100, -1e30, -Infinity);
    while (xs.length % 4) xs.push(-0.5);
    const n = xs.length;
    const { k, v } = wasmArena({ src: ['f32', n, xs], dst: ['f32', n] });
    k.expNeg(v.src, v.dst, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const x = v.src[i];
      const got = v.dst[i];
      if (x < -87) {
        assert.equal(got, 0, `exp(${x})`);
        continue;
      }
      worst = Math.max(worst, Math.abs(got / Math.exp(x) - 1));
    }
    assert.ok(worst < 2e-7, `worst relative error ${worst}`);
    assert.equal(v.dst[xs.indexOf(0)], 1);
  });

  for (const { name, g } of CONVS) {
    it(`convForward, convWeightGrad, convBackwardInput agree with the twins: ${name}`, () => {
      const rng = new Rng(`wasm ${name}`);
      const rows = g.hin * g.win * g.T;
      const sp = randomSpikes(rng, rows, g.cin, 0.3);
      const nz = g.hout * g.wout * g.T * g.coutp;
      const nw = g.kh * g.kw * g.cin * g.coutp;
      const nx = rows * g.cinp;
      const w = f32(randomWeights(rng, g));
      const wt = f32(transposeWeights(g, w));
      const z0 = f32(randn(rng, nz));
      const gz = f32(randn(rng, nz));
      const gw0 = f32(randn(rng, nw));
      const gx0 = f32(randn(rng, nx));
      const { k, v } = wasmArena({
        rowPtr: ['i32', rows + 1, sp.rowPtr], chan: ['i32', sp.chan.length, sp.chan],
        w: ['f32', nw, w], wt: ['f32', wt.length, wt], z: ['f32', nz, z0], gz: ['f32', nz, gz], gw: ['f32', nw, gw0], gx: ['f32', nx, gx0],
      });
      for (const value of [1, 1 / 0.7]) {
        const s: SpikeRows = { rowPtr: v.rowPtr, chan: v.chan, value };
        const sJ: SpikeRows = { rowPtr: sp.rowPtr, chan: sp.chan, value };
        v.z.set(z0);
        v.gw.set(gw0);
        k.convForward(g, s, v.w, v.z);
        k.convWeightGrad(g, s, v.gz, v.gw);
        const z = z0.slice();
        const gw = gw0.slice();
        JS.convForward(g, sJ, w, z);
        JS.convWeightGrad(g, sJ, gz, gw);
        if (value === 1) {
          // Same summation order, one float32 rounding per addition: identical.
          sameBits(v.z, z, 'convForward');
          sameBits(v.gw, gw, 'convWeightGrad');
        } else {
          const zMag = abs(z0);
          JS.convForward(g, sJ, abs(w), zMag);
          close(v.z, z, zMag, 1e-5, 'convForward');
          const gwMag = abs(gw0);
          JS.convWeightGrad(g, sJ, abs(gz), gwMag);
          close(v.gw, gw, gwMag, 1e-5, 'convWeightGrad');
        }
      }
      k.convBackwardInput(g, v.gz, v.wt, v.gx);
      const gx = gx0.slice();
      JS.convBackwardInput(g, gz, wt, gx);
      const gxMag = abs(gx0);
      JS.convBackwardInput(g, abs(gz), abs(wt), gxMag);
      close(v.gx, gx, gxMag, 1e-5, 'convBackwardInput');
    });
  }

  for (const { name, g } of POOLS) {
    it(`poolForward and poolBackwardInput agree with the twins: ${name}`, () => {
      const rng = new Rng(`wasm pool ${name}`);
      const rows = g.hin * g.win * g.T;
      const sp = randomSpikes(rng, rows, g.c, 0.3);
      const nz = g.hout * g.wout * g.T * g.cp;
      const nx = rows * g.cp;
      const z0 = f32(randn(rng, nz));
      const gz = f32(randn(rng, nz));
      const gx0 = f32(randn(rng, nx));
      const { k, v } = wasmArena({
        rowPtr: ['i32', rows + 1, sp.rowPtr], chan: ['i32', sp.chan.length, sp.chan], z: ['f32', nz, z0], gz: ['f32', nz, gz], gx: ['f32', nx, gx0],
      });
      for (const value of [1, 1.25, 1 / 0.7]) {
        v.z.set(z0);
        k.poolForward(g, { rowPtr: v.rowPtr, chan: v.chan, value }, v.z);
        const z = z0.slice();
        JS.poolForward(g, { ...sp, value }, z);
        if (value === 1 || value === 1.25) sameBits(v.z, z, `poolForward value ${value}`);
        else close(v.z, z, Float64Array.from(z0, (a, i) => Math.abs(a) + 9 * value), 1e-6, `poolForward value ${value}`);
      }
      k.poolBackwardInput(g, v.gz, v.gx);
      const gx = gx0.slice();
      JS.poolBackwardInput(g, gz, gx);
      sameBits(v.gx, gx, 'poolBackwardInput');
    });
  }

  const NEURONS = [
    { P: 11, T: 7, C: 5 },
    { P: 7, T: 25, C: 10 },
    { P: 5, T: 7, C: 16 },
    { P: 3, T: 25, C: 3 },
  ];
  const ALIF = { ku: 0.75, kv: 0.97, kth: 0.9, kr: 0.8, theta0: 1.0, step: 0.05 };
  const CUBA = { ku: 0.75, kv: 0.9, theta: 1.0 + 0.01 / 4096 };

  /** z (float32) for which no |delta| of the scan is within 1e-4 of 0: inputs of the first near-tie are nudged. */
  function untied(rng: Rng, P: number, T: number, cp: number, C: number, run: (z: Float32Array, d: Float32Array) => void): Float32Array {
    const n = P * T * cp;
    const z = f32(randn(rng, n, 0.6, 0.15));
    for (let i = 0; i < n; i++) if (i % cp >= C) z[i] = 0;
    const d = new Float32Array(n);
    for (let iter = 0; iter < 1000; iter++) {
      run(z, d);
      let fixed = false;
      for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) {
        for (let t = 0; t < T; t++) {
          const i = (p * T + t) * cp + c;
          if (Math.abs(d[i]) < 2e-4) {
            z[i] += 0.01;
            fixed = true;
            break;
          }
        }
      }
      if (!fixed) return z;
    }
    throw new Error('could not untie');
  }

  for (const { P, T, C } of NEURONS) {
    const cp = pad4(C);
    const n = P * T * cp;
    it(`alifForward and cubaForward agree with the twins (P ${P}, T ${T}, C ${C})`, () => {
      const rng = new Rng(`neurons ${P} ${T} ${C}`);
      for (const model of ['alif', 'cuba'] as const) {
        const fwd = (k: typeof JS, z: Float32Array, u: Float32Array, v: Float32Array, d: Float32Array, s: Float32Array) =>
          model === 'alif' ? k.alifForward(P, T, cp, z, ALIF, u, v, d, s) : k.cubaForward(P, T, cp, z, CUBA, u, v, d, s);
        const scratch = () => new Float32Array(n);
        const z = untied(rng, P, T, cp, C, (zz, d) => fwd(JS, zz, scratch(), scratch(), d, scratch()));
        const want = { u: scratch(), v: scratch(), d: scratch(), s: scratch() };
        fwd(JS, z, want.u, want.v, want.d, want.s);
        let spikes = 0;
        for (let i = 0; i < n; i++) spikes += want.s[i];
        assert.ok(spikes > 0.05 * P * T * C && spikes < 0.7 * P * T * C, `${model}: a useful number of spikes (${spikes})`);
        const { k, v } = wasmArena({ z: ['f32', n, z], u: ['f32', n], v: ['f32', n], d: ['f32', n], s: ['f32', n] });
        fwd(k, v.z, v.u, v.v, v.d, v.s);
        sameBits(v.s, want.s, `${model} s`);
        close(v.u, want.u, maxAbs(want.u), 1e-5, `${model} u`);
        close(v.v, want.v, maxAbs(want.v), 1e-5, `${model} v`);
        close(v.d, want.d, maxAbs(want.v) + 1, 1e-5, `${model} delta`);
      }
    });

    it(`neuronBackward agrees with the twin (P ${P}, T ${T}, C ${C})`, () => {
      const rng = new Rng(`backward ${P} ${T} ${C}`);
      const gs = f32(randn(rng, n));
      // |delta|/tau from 0 to ~120: the exp underflows to 0 in the tail.
      const delta = f32(Float64Array.from({ length: n }, () => (rng.random() < 0.1 ? 40 : 3) * (rng.random() - 0.5)));
      const u = f32(randn(rng, n));
      const vv = f32(randn(rng, n));
      const [ku, kv, surA, surTau] = [0.75, 0.97, 0.05 / 0.3, 0.3];
      const { k, v } = wasmArena({
        gs: ['f32', n, gs], delta: ['f32', n, delta], u: ['f32', n, u], v: ['f32', n, vv], gz: ['f32', n], acc: ['f64', 2, [0.5, -0.25]],
      });
      k.neuronBackward(P, T, cp, v.gs, v.delta, v.u, v.v, ku, kv, surA, surTau, v.gz, v.acc);
      const gz = new Float32Array(n);
      const acc = Float64Array.of(0.5, -0.25);
      JS.neuronBackward(P, T, cp, gs, delta, u, vv, ku, kv, surA, surTau, gz, acc);
      const gzMag = new Float64Array(n);
      const accMag = Float64Array.of(0.5, 0.25);
      JS.neuronBackward(P, T, cp, abs(gs), delta, abs(u), abs(vv), ku, kv, surA, surTau, gzMag, accMag);
      close(v.gz, gz, gzMag, 1e-5, 'gz');
      close(v.acc, acc, accMag, 1e-5, 'acc');
    });

    it(`emitSpikes and spikeGradient agree with the twins (P ${P}, T ${T}, C ${C})`, () => {
      const rng = new Rng(`emit ${P} ${T} ${C}`);
      const s = f32(Float64Array.from({ length: n }, (_, i) => (i % cp < C && rng.random() < 0.3 ? 1 : 0)));
      const keep = f32(Float64Array.from({ length: P * cp }, () => (rng.random() < 0.8 ? 1 : 0)));
      // Mixed shifts (one past T), then uniform ones (the vectorised paths).
      const shift = Int32Array.from({ length: C }, (_, c) => (c === 0 ? 0 : c === 1 ? T + 1 : rng.int(4)));
      const gy = f32(randn(rng, n));
      const cap = P * T * C;
      const { k, v } = wasmArena({
        s: ['f32', n, s], keep: ['f32', P * cp, keep], shift: ['i32', C, shift], rowPtr: ['i32', P * T + 1], chan: ['i32', cap],
        small: ['i32', 3], gy: ['f32', n, gy], gs: ['f32', n], gd: ['f64', C],
      });
      const shifts = [shift.slice(), new Int32Array(C).fill(1), new Int32Array(C), new Int32Array(C).fill(T)];
      for (const [useKeep, sh] of [false, true].flatMap((kp) => shifts.map((x) => [kp, x] as const))) {
        v.shift.set(sh);
        shift.set(sh);
        const nW = k.emitSpikes(P, T, C, cp, v.s, useKeep ? v.keep : null, v.shift, v.rowPtr, v.chan);
        const rowPtr = new Int32Array(P * T + 1);
        const chan = new Int32Array(cap);
        const nJ = JS.emitSpikes(P, T, C, cp, s, useKeep ? keep : null, shift, rowPtr, chan);
        assert.equal(nW, nJ);
        sameBits(v.rowPtr, rowPtr, 'rowPtr');
        sameBits(v.chan.subarray(0, nJ), chan.subarray(0, nJ), 'chan');
        if (nJ > 3) assert.throws(() => k.emitSpikes(P, T, C, cp, v.s, useKeep ? v.keep : null, v.shift, v.rowPtr, v.small), /do not fit in chan/);
        else assert.equal(k.emitSpikes(P, T, C, cp, v.s, useKeep ? v.keep : null, v.shift, v.rowPtr, v.small), nJ);

        for (const scale of [1, 1 / 0.7]) {
          const gd0 = randn(rng, C);
          v.gd.set(gd0);
          v.gs.fill(NaN);
          k.spikeGradient(P, T, C, cp, v.gy, v.s, useKeep ? v.keep : null, v.shift, scale, v.gs, v.gd);
          const gs = new Float32Array(n).fill(NaN);
          const gd = gd0.slice();
          JS.spikeGradient(P, T, C, cp, gy, s, useKeep ? keep : null, shift, scale, gs, gd);
          close(v.gs, gs, Float64Array.from(gs, Math.abs), 3e-7, `gs (scale ${scale})`);
          const gdMag = abs(gd0);
          for (let i = 0; i < n; i++) if (i % cp < C) gdMag[i % cp] += 2 * scale * Math.abs(gy[i]);
          close(v.gd, gd, gdMag, 1e-6, `gradDelay (scale ${scale})`);
        }
      }
    });
  }

  it('rejects arrays outside its arena, float64 data and per-entry spike values', () => {
    const g = CONVS[0].g;
    const n = g.hin * g.win * g.T * g.cinp;
    const nz = g.hout * g.wout * g.T * g.coutp;
    const { k, v } = wasmArena({ gz: ['f32', nz], wt: ['f32', g.kh * g.kw * g.cout * g.cinp], gx: ['f32', n], gx64: ['f64', n], rowPtr: ['i32', g.hin * g.win * g.T + 1], chan: ['i32', 4] });
    assert.throws(() => k.convBackwardInput(g, v.gz, v.wt, new Float32Array(n)), /gx is not an array of this kernel arena/);
    assert.throws(() => k.convBackwardInput(g, v.gz, v.wt, v.gx64), /gx must be a Float32Array/);
    assert.throws(() => k.convBackwardInput(g, v.gz, v.wt, v.gx.subarray(0, n - 4)), /gx has \d+ elements, needs/);
    assert.throws(() => k.convForward(g, { rowPtr: v.rowPtr, chan: v.chan, value: 1, vals: new Float32Array(4) }, v.wt, v.gz), /TypeScript-only/);
    const other = wasmArena({ a: ['f32', 16] });
    assert.throws(() => k.alifForward(1, 4, 4, other.v.a, ALIF, other.v.a, other.v.a, other.v.a, other.v.a), /not an array of this kernel arena/);
    // An arena on another module.
    const js = new Arena(null);
    js.f32(4);
    js.commit();
    assert.throws(() => new WasmSlayerKernels(js).poolBackwardInput(POOLS[0].g, v.gz, v.gx), /not committed or not a wasm arena/);
    assert.equal(createSlayerKernels(null), JS);
  });
});

describe('slayer kernels: FFT path of convBackwardInput (wasm)', () => {
  // Stride-1 geometries: pads 0/1/2, kh ≠ kw, kernels as large as (or larger than) the map, dense as conv (1×1
  // output), 1×1 kernels, sizes that need radix-3/5 transforms; with step windows and chunks below the window.
  const FFT_CONVS = [
    { ...conv('best-c2-like 16×16, 11×11', 13, 10, 16, 16, 11, 11, 1, 0, 9), windows: [[0, 9], [2, 7]] },
    { ...conv('3×3 pad 1 on 7×7', 5, 6, 7, 7, 3, 3, 1, 1, 7), windows: [[0, 7], [3, 4]] },
    { ...conv('2×3 kernel pad 1, 70 outputs', 9, 70, 5, 6, 2, 3, 1, 1, 5), windows: [[0, 5]] },
    { ...conv('5×4 kernel pad 2 on 13×11 (15 × 16 transforms)', 6, 7, 13, 11, 5, 4, 1, 2, 4), windows: [[1, 4]] },
    { ...conv('7×8 kernel pad 2 on 5×6 (kernel above the map)', 3, 5, 5, 6, 7, 8, 1, 2, 3), windows: [[0, 3]] },
    { ...conv('dense as conv (3×5 map, 1×1 output)', 7, 10, 3, 5, 3, 5, 1, 0, 7), windows: [[0, 7], [1, 6]] },
    { ...conv('1×1 kernel on 4×3', 6, 5, 4, 3, 1, 1, 1, 0, 3), windows: [[0, 3]] },
    { ...conv('dense on a vector', 37, 10, 1, 1, 1, 1, 1, 0, 4), windows: [[0, 4]] },
    { ...conv('mid-c2-like 23×23, 5×5, T 6', 8, 12, 23, 23, 5, 5, 1, 0, 6), windows: [[0, 6]] },
    { ...conv('exp4-like 29×29, 12×12 pad 1', 5, 9, 29, 29, 12, 12, 1, 1, 3), windows: [[0, 3]] },
  ];

  /** A wasm arena with gz, wt, gx and an FFT context planned for g (maxScratchBytes small: several chunks). */
  function fftArena(g: ConvGeometry, wt: Float32Array, gz: Float32Array, gx0: Float32Array, maxScratchBytes?: number) {
    const plan = planBackwardFft(g, { maxScratchBytes })!;
    const { k, v } = wasmArena({
      gz: ['f32', gz.length, gz], wt: ['f32', wt.length, wt], gx: ['f32', gx0.length, gx0],
      spec: ['f32', plan.spectrumLength], scratch: ['f32', plan.scratchLength], wt2: ['f32', wt.length],
    });
    const fft: BackwardFft = { plan, spectrum: v.spec, scratch: v.scratch };
    return { k, v, fft };
  }

  for (const { name, g, windows } of FFT_CONVS) {
    it(`agrees with the direct twin to 1e-5 of the sums of magnitudes: ${name}`, () => {
      const rng = new Rng(`fft ${name}`);
      const nz = g.hout * g.wout * g.T * g.coutp;
      const nx = g.hin * g.win * g.T * g.cinp;
      const w = f32(randomWeights(rng, g));
      const wt = f32(transposeWeights(g, w));
      const gz = f32(randn(rng, nz));
      for (let i = 0; i < nz; i++) if (i % g.coutp >= g.cout) gz[i] = 0;
      const gx0 = f32(randn(rng, nx));
      const perStep = planBackwardFft(g)!.scratchLength / g.T;
      for (const maxScratchBytes of [undefined, 4 * (planBackwardFft(g)!.scratchLength - 1.5 * perStep)]) {
        const { k, v, fft } = fftArena(g, wt, gz, gx0, maxScratchBytes);
        const { nh, nw } = backwardFftSizes(g);
        assert.ok(nh >= g.hin + g.pad && nh >= g.hout && nh >= g.kh && nw >= g.win + g.pad && nw >= g.wout && nw >= g.kw);
        k.prepareBackwardInput(g, v.wt, fft);
        for (const [t0, t1] of windows) {
          v.gx.set(gx0);
          k.convBackwardInputFft(g, v.gz, v.wt, fft, v.gx, t0, t1);
          const gx = Float64Array.from(gx0);
          JS.convBackwardInput(g, gz, wt, gx, t0, t1);
          const mag = abs(gx0);
          JS.convBackwardInput(g, abs(gz), abs(wt), mag, t0, t1);
          close(v.gx, gx, mag, 1e-5, `FFT, chunk ${fft.plan.chunk}, steps [${t0}, ${t1})`);
          // Steps outside the window are untouched.
          for (let i = 0; i < nx; i++) {
            const t = Math.floor(i / g.cinp) % g.T;
            if ((t < t0 || t >= t1) && v.gx[i] !== gx0[i]) assert.fail(`step ${t} outside [${t0}, ${t1}) changed`);
          }
          // convBackwardInput with the context: either path, same sums.
          v.gx.set(gx0);
          k.convBackwardInput(g, v.gz, v.wt, v.gx, t0, t1, fft);
          close(v.gx, gx, mag, 1e-5, `convBackwardInput with fft, steps [${t0}, ${t1})`);
        }
      }
    });
  }

  it('re-preparing after a weight change uses the new weights; an unprepared or foreign spectrum is refused', () => {
    const { g } = conv('k', 6, 5, 9, 9, 4, 4, 1, 1, 3);
    const rng = new Rng('fft prepare');
    const nz = g.hout * g.wout * g.T * g.coutp;
    const nx = g.hin * g.win * g.T * g.cinp;
    const wt = f32(transposeWeights(g, randomWeights(rng, g)));
    const gz = f32(randn(rng, nz));
    const { k, v, fft } = fftArena(g, wt, gz, new Float32Array(nx));
    assert.throws(() => k.convBackwardInputFft(g, v.gz, v.wt, fft, v.gx), /not prepared/);
    k.prepareBackwardInput(g, v.wt, fft);
    assert.throws(() => k.convBackwardInputFft(g, v.gz, v.wt2, fft, v.gx), /not prepared/);
    const wtNew = f32(transposeWeights(g, randomWeights(rng, g)));
    v.wt.set(wtNew);
    k.prepareBackwardInput(g, v.wt, fft);
    k.convBackwardInputFft(g, v.gz, v.wt, fft, v.gx);
    const gx = new Float64Array(nx);
    JS.convBackwardInput(g, gz, wtNew, gx);
    const mag = new Float64Array(nx);
    JS.convBackwardInput(g, abs(gz), abs(wtNew), mag);
    close(v.gx, gx, mag, 1e-5, 'after re-prepare');
    // Another geometry with the same spectrum, a short spectrum, stride 2.
    const g2 = { ...g, cout: 4, coutp: 4 };
    assert.throws(() => k.convBackwardInputFft(g2, v.gz, v.wt, fft, v.gx), /not prepared/);
    assert.throws(() => k.prepareBackwardInput(g, v.wt, { ...fft, spectrum: v.spec.subarray(0, 8) }), /fft\.spectrum has \d+ elements/);
    assert.throws(() => k.prepareBackwardInput(g, v.wt, { ...fft, plan: { ...fft.plan, nh: 7 } }), /does not fit the geometry/);
    assert.throws(() => k.prepareBackwardInput({ ...g, stride: 2 }, v.wt, fft), /stride 1/);
    assert.equal(planBackwardFft({ ...g, stride: 2 }), null);
    assert.equal(backwardFftFaster(g, g.T, null), false);
    // The twins ignore the context.
    JS.prepareBackwardInput(g, wt, fft);
  });

  it('transform sizes and the cost model', () => {
    assert.deepEqual([1, 7, 11, 16, 17, 23, 26, 110, 121].map(fftSize), [1, 8, 12, 16, 18, 24, 27, 120, 125]);
    const best = conv('best c2', 123, 46, 16, 16, 11, 11, 1, 0, 25).g;
    const p = planBackwardFft(best)!;
    assert.deepEqual([p.nh, p.nw, p.mw, p.bins, p.chunk], [16, 16, 9, 144, 25]);
    assert.ok(backwardFftFaster(best, 20, p), 'FFT for the best c2 layer');
    const exp4 = conv('exp4 c2', 15, 29, 109, 109, 12, 12, 1, 1, 100).g;
    const p4 = planBackwardFft(exp4)!;
    assert.deepEqual([p4.nh, p4.nw], [120, 120]);
    assert.ok(p4.chunk < 100 && 4 * p4.scratchLength <= 32 * 2 ** 20, 'the work area respects the 32 MiB default');
    assert.ok(backwardFftFaster(exp4, 98, p4), 'FFT for an Exp 4 c2 layer');
    const small = conv('3×3', 5, 6, 7, 7, 3, 3, 1, 1, 7).g;
    assert.ok(!backwardFftFaster(small, 7, planBackwardFft(small)), 'direct for a 3×3 kernel');
    const dense = conv('dense', 7, 10, 3, 5, 3, 5, 1, 0, 7).g;
    assert.ok(!backwardFftFaster(dense, 7, planBackwardFft(dense)), 'direct for a dense layer');
  });
});

describe('slayer kernels: build', () => {
  it('src/kernels/wasm/build/slayer.wasm is the build of src/kernels/wasm/slayer.ts (npm run build:wasm:slayer)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const script: string = pkg.scripts['build:wasm:slayer'];
    assert.ok(script, 'package.json has a build:wasm:slayer script');
    assert.match(pkg.scripts.build, /build:wasm:slayer/, 'npm run build runs build:wasm:slayer');
    const args = script.split(/\s+/).slice(1);
    const o = args.indexOf('-o');
    assert.ok(o > 0 && args[o + 1] === 'src/kernels/wasm/build/slayer.wasm', 'build:wasm:slayer writes src/kernels/wasm/build/slayer.wasm');
    const dir = mkdtempSync(join(tmpdir(), 'spikeopt-asc-slayer-'));
    try {
      args[o + 1] = join(dir, 'slayer.wasm');
      const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
      execFileSync(process.execPath, [asc, ...args], { cwd: root, stdio: 'pipe' });
      const fresh = readFileSync(join(dir, 'slayer.wasm'));
      const committed = readFileSync(join(root, 'src', 'kernels', 'wasm', 'build', 'slayer.wasm'));
      assert.ok(fresh.equals(committed), 'slayer.wasm is stale: run `npm run build:wasm:slayer` and commit the result');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
