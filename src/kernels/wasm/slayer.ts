// AssemblyScript source of the surrogate-gradient engine's hot loops (compiled by `npm run build:wasm:slayer` with
// SIMD enabled to src/kernels/wasm/build/slayer.wasm). Loader: src/kernels/slayer-wasm.ts; semantics: the plain
// TypeScript twins `JS_SLAYER_KERNELS` in src/kernels/slayer-kernels.ts; layout: docs/surrogate.md.
//
// Conventions:
// - every pointer is a byte offset into the imported memory (an Arena); float data is float32, the decay and
//   delay gradient accumulators are float64; 0 stands for a null pointer (the arena never hands out page 0);
// - activations are [p][t][c] with c padded to cp = pad4(C) lanes, so every row is a whole number of v128;
//   conv weights w[((ky·kw + kx)·cin + ci)·coutp + co], their transpose wt[((ky·kw + kx)·cout + co)·cinp + ci];
// - arithmetic is IEEE float32 with one rounding per operation (wasm has no FMA), so results differ from the
//   twins (which compute in float64 and round on store) by a few float32 ulps of the partial sums. Where the
//   summation order is the twins' (convForward and convWeightGrad with spike value 1, the pools) the results are
//   bit-identical; convBackwardInput adds the kernel offsets in the opposite order (ascending (ky, kx)), its FFT
//   path (fftConvBackwardInput) sums in another order altogether, and the neuron scans keep their state in float32
//   where the twins keep it in float64.
// No allocation happens here: the host owns the memory layout.

// ---------------------------------------------------------------------------------------------------------
// Vectorised exp for non-positive float32 arguments

const LOG2E32: f32 = 1.4426950408889634;
/** 1.5·2^23: x + MAGIC32 − MAGIC32 rounds x to an integer (ties to even) for |x| < 2^22. */
const MAGIC32: f32 = 12582912.0;
/** 127 − bits(MAGIC32): (bits(x·log2e + MAGIC32) + EXP_BIAS32) << 23 is the float 2^k. */
const EXP_BIAS32: i32 = 127 - 0x4b400000;
/** ln 2 split so that k·LN2_HI32 is exact for |k| < 2^15 (Cephes). */
const LN2_HI32: f32 = 0.693359375;
const LN2_LO32: f32 = -2.12194440e-4;
/** Below this the result is flushed to 0 (exp(−87) ≈ 1.6e−38 is still a normal float32). */
const EXP_MIN32: f32 = -87.0;
// Cephes expf minimax polynomial on [−ln2/2, ln2/2]: exp(r) ≈ 1 + r + r²·P(r).
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

/**
 * exp(x) on four float32 lanes for x ≤ 0 (relative error below 2e-7 on [−87, 0], test/kernels/slayer-kernels.test.ts);
 * lanes below −87 give 0. x = k·ln2 + r with k = round(x·log2e), 2^k built in the exponent bits.
 */
// @ts-ignore: decorator
@inline
function expNeg4(x0: v128): v128 {
  const x = f32x4.pmax(x0, f32x4.splat(EXP_MIN32));
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E32)), f32x4.splat(MAGIC32));
  const k = f32x4.sub(t, f32x4.splat(MAGIC32));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI32))), f32x4.mul(k, f32x4.splat(LN2_LO32)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(P0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(EXP_BIAS32)), 23);
  return v128.andnot(f32x4.mul(p, scale), f32x4.lt(x0, f32x4.splat(EXP_MIN32)));
}

/** dst[i] = exp(src[i]) for src[i] ≤ 0 (n a multiple of 4): the kernel's exp, exported for the tests. */
export function expNegArray(src: usize, dst: usize, n: i32): void {
  const end = <usize>n << 2;
  for (let i: usize = 0; i < end; i += 16) v128.store(dst + i, expNeg4(v128.load(src + i)));
}

// ---------------------------------------------------------------------------------------------------------
// Event-driven convolution
//
// Both kernels walk the kernel offsets (ky, kx) in the outer loops, then the output pixels (oy, ox) whose input
// pixel (y, x) = (oy·stride − pad + ky, ox·stride − pad + kx) is inside the map, then t: the weight (gradient)
// block of one offset (cin × coutp) stays in L1 while the spikes are scanned. Each output element still receives
// its contributions in ascending input row r = (y·win + x)·T + t, then ascending channel, as in the twins.

/** Range of output columns ox whose input column ox·stride − pad + kx is inside [0, win): [lo, hi] packed as lo | hi << 16. */
// @ts-ignore: decorator
@inline
function validRange(kx: i32, pad: i32, stride: i32, win: i32, wout: i32): i32 {
  let lo = 0;
  if (pad - kx > 0) lo = (pad - kx + stride - 1) / stride;
  const lim = win - 1 + pad - kx;
  if (lim < 0) return 1; // empty: lo 1 > hi 0
  let hi = lim / stride;
  if (hi > wout - 1) hi = wout - 1;
  return lo | (hi << 16);
}

/** out row (rowBytes bytes at o) += v·(w row of each channel in chan[ca..cb)), 32, then 16, then 4 lanes at a time. */
// @ts-ignore: decorator
@inline
function gatherRows(o: usize, wk: usize, rowBytes: usize, ca: usize, cb: usize, vv: v128): void {
  let j: usize = 0;
  for (; j + 128 <= rowBytes; j += 128) {
    const zp = o + j;
    let a0 = v128.load(zp), a1 = v128.load(zp, 16), a2 = v128.load(zp, 32), a3 = v128.load(zp, 48);
    let a4 = v128.load(zp, 64), a5 = v128.load(zp, 80), a6 = v128.load(zp, 96), a7 = v128.load(zp, 112);
    for (let c = ca; c < cb; c += 4) {
      const wp = wk + <usize>load<i32>(c) * rowBytes + j;
      a0 = f32x4.add(a0, f32x4.mul(vv, v128.load(wp)));
      a1 = f32x4.add(a1, f32x4.mul(vv, v128.load(wp, 16)));
      a2 = f32x4.add(a2, f32x4.mul(vv, v128.load(wp, 32)));
      a3 = f32x4.add(a3, f32x4.mul(vv, v128.load(wp, 48)));
      a4 = f32x4.add(a4, f32x4.mul(vv, v128.load(wp, 64)));
      a5 = f32x4.add(a5, f32x4.mul(vv, v128.load(wp, 80)));
      a6 = f32x4.add(a6, f32x4.mul(vv, v128.load(wp, 96)));
      a7 = f32x4.add(a7, f32x4.mul(vv, v128.load(wp, 112)));
    }
    v128.store(zp, a0); v128.store(zp, a1, 16); v128.store(zp, a2, 32); v128.store(zp, a3, 48);
    v128.store(zp, a4, 64); v128.store(zp, a5, 80); v128.store(zp, a6, 96); v128.store(zp, a7, 112);
  }
  if (j + 64 <= rowBytes) {
    const zp = o + j;
    let a0 = v128.load(zp), a1 = v128.load(zp, 16), a2 = v128.load(zp, 32), a3 = v128.load(zp, 48);
    for (let c = ca; c < cb; c += 4) {
      const wp = wk + <usize>load<i32>(c) * rowBytes + j;
      a0 = f32x4.add(a0, f32x4.mul(vv, v128.load(wp)));
      a1 = f32x4.add(a1, f32x4.mul(vv, v128.load(wp, 16)));
      a2 = f32x4.add(a2, f32x4.mul(vv, v128.load(wp, 32)));
      a3 = f32x4.add(a3, f32x4.mul(vv, v128.load(wp, 48)));
    }
    v128.store(zp, a0); v128.store(zp, a1, 16); v128.store(zp, a2, 32); v128.store(zp, a3, 48);
    j += 64;
  }
  for (; j < rowBytes; j += 16) {
    const zp = o + j;
    let a0 = v128.load(zp);
    for (let c = ca; c < cb; c += 4) a0 = f32x4.add(a0, f32x4.mul(vv, v128.load(wk + <usize>load<i32>(c) * rowBytes + j)));
    v128.store(zp, a0);
  }
}

/** The w row of each channel in chan[ca..cb) += v·(row at g): the scaled row is held in registers (32, 16, 4 lanes). */
// @ts-ignore: decorator
@inline
function scatterRows(g: usize, wk: usize, rowBytes: usize, ca: usize, cb: usize, vv: v128): void {
  let j: usize = 0;
  for (; j + 128 <= rowBytes; j += 128) {
    const zp = g + j;
    const g0 = f32x4.mul(vv, v128.load(zp)), g1 = f32x4.mul(vv, v128.load(zp, 16));
    const g2 = f32x4.mul(vv, v128.load(zp, 32)), g3 = f32x4.mul(vv, v128.load(zp, 48));
    const g4 = f32x4.mul(vv, v128.load(zp, 64)), g5 = f32x4.mul(vv, v128.load(zp, 80));
    const g6 = f32x4.mul(vv, v128.load(zp, 96)), g7 = f32x4.mul(vv, v128.load(zp, 112));
    for (let c = ca; c < cb; c += 4) {
      const wp = wk + <usize>load<i32>(c) * rowBytes + j;
      v128.store(wp, f32x4.add(v128.load(wp), g0));
      v128.store(wp, f32x4.add(v128.load(wp, 16), g1), 16);
      v128.store(wp, f32x4.add(v128.load(wp, 32), g2), 32);
      v128.store(wp, f32x4.add(v128.load(wp, 48), g3), 48);
      v128.store(wp, f32x4.add(v128.load(wp, 64), g4), 64);
      v128.store(wp, f32x4.add(v128.load(wp, 80), g5), 80);
      v128.store(wp, f32x4.add(v128.load(wp, 96), g6), 96);
      v128.store(wp, f32x4.add(v128.load(wp, 112), g7), 112);
    }
  }
  if (j + 64 <= rowBytes) {
    const zp = g + j;
    const g0 = f32x4.mul(vv, v128.load(zp)), g1 = f32x4.mul(vv, v128.load(zp, 16));
    const g2 = f32x4.mul(vv, v128.load(zp, 32)), g3 = f32x4.mul(vv, v128.load(zp, 48));
    for (let c = ca; c < cb; c += 4) {
      const wp = wk + <usize>load<i32>(c) * rowBytes + j;
      v128.store(wp, f32x4.add(v128.load(wp), g0));
      v128.store(wp, f32x4.add(v128.load(wp, 16), g1), 16);
      v128.store(wp, f32x4.add(v128.load(wp, 32), g2), 32);
      v128.store(wp, f32x4.add(v128.load(wp, 48), g3), 48);
    }
    j += 64;
  }
  for (; j < rowBytes; j += 16) {
    const g0 = f32x4.mul(vv, v128.load(g + j));
    for (let c = ca; c < cb; c += 4) {
      const wp = wk + <usize>load<i32>(c) * rowBytes + j;
      v128.store(wp, f32x4.add(v128.load(wp), g0));
    }
  }
}

/**
 * z[(oy,ox,t), co] += value·w[(ky,kx,ci), co] for every input spike (CSR rowPtr/chan over rows (y·win + x)·T + t):
 * for each offset and output row, the output row is kept in registers while the weight rows of the active input
 * channels are added to it.
 */
export function convForward(
  cin: i32, coutp: i32, hin: i32, win: i32, hout: i32, wout: i32, kh: i32, kw: i32, stride: i32, pad: i32, T: i32,
  rowPtr: usize, chan: usize, value: f32, w: usize, z: usize,
): void {
  const vv = f32x4.splat(value);
  const rowBytes = <usize>coutp << 2;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const wk = w + <usize>((ky * kw + kx) * cin) * rowBytes;
      const range = validRange(kx, pad, stride, win, wout);
      const ox0 = range & 0xffff;
      const ox1 = range >> 16;
      for (let oy = 0; oy < hout; oy++) {
        const y = oy * stride - pad + ky;
        if (y < 0 || y >= hin) continue;
        for (let ox = ox0; ox <= ox1; ox++) {
          const x = ox * stride - pad + kx;
          let rp = rowPtr + (<usize>((y * win + x) * T) << 2);
          let o = z + <usize>((oy * wout + ox) * T) * rowBytes;
          let a = load<i32>(rp);
          for (let t = 0; t < T; t++) {
            const b = load<i32>(rp, 4);
            if (a != b) gatherRows(o, wk, rowBytes, chan + (<usize>a << 2), chan + (<usize>b << 2), vv);
            a = b;
            rp += 4;
            o += rowBytes;
          }
        }
      }
    }
  }
}

/**
 * gw[(ky,kx,ci), co] += value·gz[(oy,ox,t), co] for every input spike: for each offset and output row, the scaled
 * output-gradient row is held in registers and added to the weight-gradient row of every active input channel.
 */
export function convWeightGrad(
  cin: i32, coutp: i32, hin: i32, win: i32, hout: i32, wout: i32, kh: i32, kw: i32, stride: i32, pad: i32, T: i32,
  rowPtr: usize, chan: usize, value: f32, gz: usize, gw: usize, tEnd: i32,
): void {
  const vv = f32x4.splat(value);
  const rowBytes = <usize>coutp << 2;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const wk = gw + <usize>((ky * kw + kx) * cin) * rowBytes;
      const range = validRange(kx, pad, stride, win, wout);
      const ox0 = range & 0xffff;
      const ox1 = range >> 16;
      for (let oy = 0; oy < hout; oy++) {
        const y = oy * stride - pad + ky;
        if (y < 0 || y >= hin) continue;
        for (let ox = ox0; ox <= ox1; ox++) {
          const x = ox * stride - pad + kx;
          let rp = rowPtr + (<usize>((y * win + x) * T) << 2);
          let o = gz + <usize>((oy * wout + ox) * T) * rowBytes;
          let a = load<i32>(rp);
          for (let t = 0; t < tEnd; t++) {
            const b = load<i32>(rp, 4);
            if (a != b) scatterRows(o, wk, rowBytes, chan + (<usize>a << 2), chan + (<usize>b << 2), vv);
            a = b;
            rp += 4;
            o += rowBytes;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dense input gradient: a GEMM per (ky, kx, oy[, ox])

/**
 * C[M × 4nv] += A[M × K]·B[K × 4nv] (row strides sa, sb, sc in bytes). Register blocks of 4 rows × 8 columns
 * (8 accumulators, one broadcast of A per row and two loads of B per k: x86-64 has 16 vector registers and larger
 * blocks spill; 4×8 and 2×16 measured alike, ~50 GFLOP/s, 3×12, 4×12 and 6×8 at ~26), then 4 rows × 4 columns,
 * then single rows of 16 and 4 columns. Each C element adds its K products in order k = 0 … K−1 to its value.
 */
function gemmAcc(a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, M: i32, nv: i32, K: i32): void {
  const ka = <usize>K << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = a + <usize>i * sa;
    const a1 = a0 + sa;
    const a2 = a1 + sa;
    const a3 = a2 + sa;
    const c0 = c + <usize>i * sc;
    const c1 = c0 + sc;
    const c2 = c1 + sc;
    const c3 = c2 + sc;
    let j = 0;
    for (; j + 2 <= nv; j += 2) {
      const jb = <usize>j << 4;
      let x0 = v128.load(c0 + jb), y0 = v128.load(c0 + jb, 16);
      let x1 = v128.load(c1 + jb), y1 = v128.load(c1 + jb, 16);
      let x2 = v128.load(c2 + jb), y2 = v128.load(c2 + jb, 16);
      let x3 = v128.load(c3 + jb), y3 = v128.load(c3 + jb, 16);
      let bp = b + jb;
      for (let k: usize = 0; k < ka; k += 4) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const u0 = v128.load32_splat(a0 + k);
        x0 = f32x4.add(x0, f32x4.mul(u0, b0));
        y0 = f32x4.add(y0, f32x4.mul(u0, b1));
        const u1 = v128.load32_splat(a1 + k);
        x1 = f32x4.add(x1, f32x4.mul(u1, b0));
        y1 = f32x4.add(y1, f32x4.mul(u1, b1));
        const u2 = v128.load32_splat(a2 + k);
        x2 = f32x4.add(x2, f32x4.mul(u2, b0));
        y2 = f32x4.add(y2, f32x4.mul(u2, b1));
        const u3 = v128.load32_splat(a3 + k);
        x3 = f32x4.add(x3, f32x4.mul(u3, b0));
        y3 = f32x4.add(y3, f32x4.mul(u3, b1));
        bp += sb;
      }
      v128.store(c0 + jb, x0); v128.store(c0 + jb, y0, 16);
      v128.store(c1 + jb, x1); v128.store(c1 + jb, y1, 16);
      v128.store(c2 + jb, x2); v128.store(c2 + jb, y2, 16);
      v128.store(c3 + jb, x3); v128.store(c3 + jb, y3, 16);
    }
    if (j < nv) {
      const jb = <usize>j << 4;
      let x0 = v128.load(c0 + jb), x1 = v128.load(c1 + jb), x2 = v128.load(c2 + jb), x3 = v128.load(c3 + jb);
      let bp = b + jb;
      for (let k: usize = 0; k < ka; k += 4) {
        const b0 = v128.load(bp);
        x0 = f32x4.add(x0, f32x4.mul(v128.load32_splat(a0 + k), b0));
        x1 = f32x4.add(x1, f32x4.mul(v128.load32_splat(a1 + k), b0));
        x2 = f32x4.add(x2, f32x4.mul(v128.load32_splat(a2 + k), b0));
        x3 = f32x4.add(x3, f32x4.mul(v128.load32_splat(a3 + k), b0));
        bp += sb;
      }
      v128.store(c0 + jb, x0); v128.store(c1 + jb, x1); v128.store(c2 + jb, x2); v128.store(c3 + jb, x3);
    }
  }
  for (; i < M; i++) {
    const a0 = a + <usize>i * sa;
    const c0 = c + <usize>i * sc;
    let j = 0;
    for (; j + 4 <= nv; j += 4) {
      const jb = <usize>j << 4;
      let x0 = v128.load(c0 + jb), x1 = v128.load(c0 + jb, 16), x2 = v128.load(c0 + jb, 32), x3 = v128.load(c0 + jb, 48);
      let bp = b + jb;
      for (let k: usize = 0; k < ka; k += 4) {
        const u = v128.load32_splat(a0 + k);
        x0 = f32x4.add(x0, f32x4.mul(u, v128.load(bp)));
        x1 = f32x4.add(x1, f32x4.mul(u, v128.load(bp, 16)));
        x2 = f32x4.add(x2, f32x4.mul(u, v128.load(bp, 32)));
        x3 = f32x4.add(x3, f32x4.mul(u, v128.load(bp, 48)));
        bp += sb;
      }
      v128.store(c0 + jb, x0); v128.store(c0 + jb, x1, 16); v128.store(c0 + jb, x2, 32); v128.store(c0 + jb, x3, 48);
    }
    for (; j < nv; j++) {
      const jb = <usize>j << 4;
      let x0 = v128.load(c0 + jb);
      let bp = b + jb;
      for (let k: usize = 0; k < ka; k += 4) {
        x0 = f32x4.add(x0, f32x4.mul(v128.load32_splat(a0 + k), v128.load(bp)));
        bp += sb;
      }
      v128.store(c0 + jb, x0);
    }
  }
}

/**
 * gx[(y,x,t), ci] += Σ_{ky,kx,co} gz[(oy,ox,t), co]·wt[(ky,kx,co), ci] for t0 ≤ t < t1, with y = oy·stride − pad + ky,
 * x = ox·stride − pad + kx (dense). For each kernel offset (ky, kx) and output row oy, the output pixels whose x
 * falls inside the input are a run ox0 … ox1; their gz rows ((oy·wout + ox)·T + t) are contiguous, and with
 * stride 1 so are the gx rows, so the run is one GEMM gx[M × cinp] += gz[M × cout]·wt_{ky,kx}[cout × cinp] with
 * M = (ox1 − ox0 + 1)·T (with stride > 1 one GEMM of M = T per output pixel).
 */
export function convBackwardInput(
  cout: i32, cinp: i32, coutp: i32, hin: i32, win: i32, hout: i32, wout: i32, kh: i32, kw: i32, stride: i32, pad: i32,
  T: i32, t0: i32, t1: i32, gz: usize, wt: usize, gx: usize,
): void {
  if (cout <= 0 || t1 <= t0) return;
  const full = t0 == 0 && t1 == T;
  const sa = <usize>coutp << 2;
  const sc = <usize>cinp << 2;
  const nv = cinp >> 2;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const wk = wt + <usize>((ky * kw + kx) * cout) * sc;
      // Valid ox: 0 ≤ ox·stride − pad + kx < win.
      const range = validRange(kx, pad, stride, win, wout);
      const ox0 = range & 0xffff;
      const ox1 = range >> 16;
      if (ox1 < ox0) continue;
      for (let oy = 0; oy < hout; oy++) {
        const y = oy * stride - pad + ky;
        if (y < 0 || y >= hin) continue;
        if (stride == 1 && full) {
          const x0 = ox0 - pad + kx;
          const ap = gz + <usize>((oy * wout + ox0) * T) * sa;
          const cp = gx + <usize>((y * win + x0) * T) * sc;
          gemmAcc(ap, sa, wk, sc, cp, sc, (ox1 - ox0 + 1) * T, nv, cout);
        } else {
          // One GEMM of the steps t0 … t1 − 1 per output pixel (a step window, or stride > 1).
          for (let ox = ox0; ox <= ox1; ox++) {
            const x = ox * stride - pad + kx;
            const ap = gz + <usize>((oy * wout + ox) * T + t0) * sa;
            const cp = gx + <usize>((y * win + x) * T + t0) * sc;
            gemmAcc(ap, sa, wk, sc, cp, sc, t1 - t0, nv, cout);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dense input gradient by FFT (stride 1)
//
// With stride 1, gx_t[ci] = Σ_co F_t[co, ci] read at (y + pad, x + pad), where F = gz_t[co] ⊛ w[co, ci] is the full
// 2-D convolution (indices add: F[u, v] = Σ_{ky,kx} gz[u − ky, v − kx]·w[ky, kx]) of support (hout + kh − 1) ×
// (wout + kw − 1) = (hin + 2·pad) × (win + 2·pad). A circular convolution of size Nh × Nw aliases F[u + m·Nh] onto
// u; the rows read, u ∈ [pad, pad + hin), are clean when Nh ≥ hin + pad (and Nh ≥ hout, kh so that both operands
// fit), likewise Nw; the sizes are the caller's (backwardFftSizes in src/kernels/slayer-kernels.ts). So, per step
// t: 2-D real FFTs of gz_t (one per 4 channels), per frequency bin a complex product [steps × cout]·[cout × cinp]
// with the weight spectrum (prepared once per weight update), inverse FFTs of the cinp outputs, and the window
// added into gx.
//
// Transforms run on four channels at once (one v128 per complex part): a complex element is 32 bytes (re v128,
// im v128). 1-D transforms are batched Stockham FFTs (radices 4, 2, 3, 5, decimation in frequency, ping-pong
// between two buffers) over a contiguous batch: element e of batch b at base + (e·B + b)·32. Real 2-D transforms
// pair rows (2r, 2r + 1) as the real and imaginary parts of one complex row (X_a = Z + conj Z(−k),
// X_b = −i(Z − conj Z(−k)), i.e. twice the spectra), transform the Nh × (⌊Nw/2⌋ + 1) half spectrum along y, and
// the inverse does the same backwards; inverse transforms are forward ones with re and im swapped
// (ifft(z) = swap(fft(swap(z)))). The factors 2·2 and 1/(Nh·Nw) are folded into the weight spectrum.
//
// Numerics: float32 throughout (twiddles rounded to float32); errors are a few ulps times log(Nh·Nw) of the sums'
// magnitudes, measured below 1e-6 of Σ|terms| against the twins (test/kernels/slayer-kernels.test.ts checks 1e-5).
//
// Memory: the weight spectrum `spec` (per layer: twiddle tables, then per bin re [cout × cinp] and im
// [cout × cinp]) and a work area `scratch` (transform buffers, one step's channel planes, then for one chunk of
// steps the gz spectra and the products, one image of bins·32 bytes per step and 4 channels); sizes in
// src/kernels/slayer-kernels.ts (planBackwardFft, backwardFftLengths).

/**
 * Radix-2 Stockham stage: n the current length, s the product of the previous radices, es the element stride
 * (bytes); y[q + s·(2p + k)] = w_n^{pk}·Σ_j x[q + s·(p + j·m)]·ω_2^{jk} (m = n/2), likewise for radices 3, 4, 5.
 */
function stage2(x: usize, y: usize, tw: usize, n: i32, s: i32, es: usize): void {
  const m = n >> 1;
  const run = <usize>s * es;
  const jx = <usize>(s * m) * es;
  // p = 0: unit twiddles.
  for (let o: usize = 0; o < run; o += 32) {
    const a = x + o;
    const ar = v128.load(a), ai = v128.load(a, 16);
    const br = v128.load(a + jx), bi = v128.load(a + jx, 16);
    const b = y + o;
    v128.store(b, f32x4.add(ar, br));
    v128.store(b, f32x4.add(ai, bi), 16);
    v128.store(b + run, f32x4.sub(ar, br));
    v128.store(b + run, f32x4.sub(ai, bi), 16);
  }
  for (let p = 1; p < m; p++) {
    const w = tw + (<usize>(s * p) << 3);
    const w1r = v128.load32_splat(w), w1i = v128.load32_splat(w, 4);
    const xa = x + <usize>(s * p) * es;
    const ya = y + <usize>(2 * s * p) * es;
    for (let o: usize = 0; o < run; o += 32) {
      const a = xa + o;
      const ar = v128.load(a), ai = v128.load(a, 16);
      const br = v128.load(a + jx), bi = v128.load(a + jx, 16);
      const b = ya + o;
      v128.store(b, f32x4.add(ar, br));
      v128.store(b, f32x4.add(ai, bi), 16);
      const dr = f32x4.sub(ar, br), di = f32x4.sub(ai, bi);
      v128.store(b + run, f32x4.sub(f32x4.mul(dr, w1r), f32x4.mul(di, w1i)));
      v128.store(b + run, f32x4.add(f32x4.mul(dr, w1i), f32x4.mul(di, w1r)), 16);
    }
  }
}

/** Radix-3 stage. */
function stage3(x: usize, y: usize, tw: usize, n: i32, s: i32, es: usize): void {
  const m = n / 3;
  const run = <usize>s * es;
  const jx = <usize>(s * m) * es;
  const half = f32x4.splat(0.5);
  const sn = f32x4.splat(0.8660254037844386);
  for (let p = 0; p < m; p++) {
    const w = tw + (<usize>(s * p) << 3);
    const w1r = v128.load32_splat(w), w1i = v128.load32_splat(w, 4);
    const w2 = tw + (<usize>(2 * s * p) << 3);
    const w2r = v128.load32_splat(w2), w2i = v128.load32_splat(w2, 4);
    const xa = x + <usize>(s * p) * es;
    const ya = y + <usize>(3 * s * p) * es;
    for (let o: usize = 0; o < run; o += 32) {
      const a = xa + o;
      const a0r = v128.load(a), a0i = v128.load(a, 16);
      const a1r = v128.load(a + jx), a1i = v128.load(a + jx, 16);
      const a2r = v128.load(a + 2 * jx), a2i = v128.load(a + 2 * jx, 16);
      const t1r = f32x4.add(a1r, a2r), t1i = f32x4.add(a1i, a2i);
      const t2r = f32x4.mul(sn, f32x4.sub(a1r, a2r)), t2i = f32x4.mul(sn, f32x4.sub(a1i, a2i));
      const mr = f32x4.sub(a0r, f32x4.mul(half, t1r)), mi = f32x4.sub(a0i, f32x4.mul(half, t1i));
      const b = ya + o;
      v128.store(b, f32x4.add(a0r, t1r));
      v128.store(b, f32x4.add(a0i, t1i), 16);
      // y1 = m − i·t2, y2 = m + i·t2
      const y1r = f32x4.add(mr, t2i), y1i = f32x4.sub(mi, t2r);
      const y2r = f32x4.sub(mr, t2i), y2i = f32x4.add(mi, t2r);
      v128.store(b + run, f32x4.sub(f32x4.mul(y1r, w1r), f32x4.mul(y1i, w1i)));
      v128.store(b + run, f32x4.add(f32x4.mul(y1r, w1i), f32x4.mul(y1i, w1r)), 16);
      v128.store(b + 2 * run, f32x4.sub(f32x4.mul(y2r, w2r), f32x4.mul(y2i, w2i)));
      v128.store(b + 2 * run, f32x4.add(f32x4.mul(y2r, w2i), f32x4.mul(y2i, w2r)), 16);
    }
  }
}

/** Radix-4 stage. */
function stage4(x: usize, y: usize, tw: usize, n: i32, s: i32, es: usize): void {
  const m = n >> 2;
  const run = <usize>s * es;
  const jx = <usize>(s * m) * es;
  // p = 0: unit twiddles (the whole of a last stage).
  for (let o: usize = 0; o < run; o += 32) {
    const a = x + o;
    const a0r = v128.load(a), a0i = v128.load(a, 16);
    const a1r = v128.load(a + jx), a1i = v128.load(a + jx, 16);
    const a2r = v128.load(a + 2 * jx), a2i = v128.load(a + 2 * jx, 16);
    const a3r = v128.load(a + 3 * jx), a3i = v128.load(a + 3 * jx, 16);
    const t0r = f32x4.add(a0r, a2r), t0i = f32x4.add(a0i, a2i);
    const t1r = f32x4.sub(a0r, a2r), t1i = f32x4.sub(a0i, a2i);
    const t2r = f32x4.add(a1r, a3r), t2i = f32x4.add(a1i, a3i);
    const t3r = f32x4.sub(a1r, a3r), t3i = f32x4.sub(a1i, a3i);
    const b = y + o;
    v128.store(b, f32x4.add(t0r, t2r));
    v128.store(b, f32x4.add(t0i, t2i), 16);
    v128.store(b + run, f32x4.add(t1r, t3i));
    v128.store(b + run, f32x4.sub(t1i, t3r), 16);
    v128.store(b + 2 * run, f32x4.sub(t0r, t2r));
    v128.store(b + 2 * run, f32x4.sub(t0i, t2i), 16);
    v128.store(b + 3 * run, f32x4.sub(t1r, t3i));
    v128.store(b + 3 * run, f32x4.add(t1i, t3r), 16);
  }
  for (let p = 1; p < m; p++) {
    const w = tw + (<usize>(s * p) << 3);
    const w1r = v128.load32_splat(w), w1i = v128.load32_splat(w, 4);
    const w2 = tw + (<usize>(2 * s * p) << 3);
    const w2r = v128.load32_splat(w2), w2i = v128.load32_splat(w2, 4);
    const w3 = tw + (<usize>(3 * s * p) << 3);
    const w3r = v128.load32_splat(w3), w3i = v128.load32_splat(w3, 4);
    const xa = x + <usize>(s * p) * es;
    const ya = y + <usize>(4 * s * p) * es;
    for (let o: usize = 0; o < run; o += 32) {
      const a = xa + o;
      const a0r = v128.load(a), a0i = v128.load(a, 16);
      const a1r = v128.load(a + jx), a1i = v128.load(a + jx, 16);
      const a2r = v128.load(a + 2 * jx), a2i = v128.load(a + 2 * jx, 16);
      const a3r = v128.load(a + 3 * jx), a3i = v128.load(a + 3 * jx, 16);
      const t0r = f32x4.add(a0r, a2r), t0i = f32x4.add(a0i, a2i);
      const t1r = f32x4.sub(a0r, a2r), t1i = f32x4.sub(a0i, a2i);
      const t2r = f32x4.add(a1r, a3r), t2i = f32x4.add(a1i, a3i);
      const t3r = f32x4.sub(a1r, a3r), t3i = f32x4.sub(a1i, a3i);
      const b = ya + o;
      v128.store(b, f32x4.add(t0r, t2r));
      v128.store(b, f32x4.add(t0i, t2i), 16);
      // y1 = t1 − i·t3, y2 = t0 − t2, y3 = t1 + i·t3
      const y1r = f32x4.add(t1r, t3i), y1i = f32x4.sub(t1i, t3r);
      const y2r = f32x4.sub(t0r, t2r), y2i = f32x4.sub(t0i, t2i);
      const y3r = f32x4.sub(t1r, t3i), y3i = f32x4.add(t1i, t3r);
      v128.store(b + run, f32x4.sub(f32x4.mul(y1r, w1r), f32x4.mul(y1i, w1i)));
      v128.store(b + run, f32x4.add(f32x4.mul(y1r, w1i), f32x4.mul(y1i, w1r)), 16);
      v128.store(b + 2 * run, f32x4.sub(f32x4.mul(y2r, w2r), f32x4.mul(y2i, w2i)));
      v128.store(b + 2 * run, f32x4.add(f32x4.mul(y2r, w2i), f32x4.mul(y2i, w2r)), 16);
      v128.store(b + 3 * run, f32x4.sub(f32x4.mul(y3r, w3r), f32x4.mul(y3i, w3i)));
      v128.store(b + 3 * run, f32x4.add(f32x4.mul(y3r, w3i), f32x4.mul(y3i, w3r)), 16);
    }
  }
}

/** Radix-5 stage. */
function stage5(x: usize, y: usize, tw: usize, n: i32, s: i32, es: usize): void {
  const m = n / 5;
  const run = <usize>s * es;
  const jx = <usize>(s * m) * es;
  const c1 = f32x4.splat(0.30901699437494745); // cos 72°
  const c2 = f32x4.splat(-0.8090169943749475); // cos 144°
  const s1 = f32x4.splat(0.9510565162951535); // sin 72°
  const s2 = f32x4.splat(0.5877852522924731); // sin 144°
  for (let p = 0; p < m; p++) {
    const xa = x + <usize>(s * p) * es;
    const ya = y + <usize>(5 * s * p) * es;
    const sp = <usize>(s * p) << 3;
    for (let o: usize = 0; o < run; o += 32) {
      const a = xa + o;
      const a0r = v128.load(a), a0i = v128.load(a, 16);
      const a1r = v128.load(a + jx), a1i = v128.load(a + jx, 16);
      const a2r = v128.load(a + 2 * jx), a2i = v128.load(a + 2 * jx, 16);
      const a3r = v128.load(a + 3 * jx), a3i = v128.load(a + 3 * jx, 16);
      const a4r = v128.load(a + 4 * jx), a4i = v128.load(a + 4 * jx, 16);
      const t1r = f32x4.add(a1r, a4r), t1i = f32x4.add(a1i, a4i);
      const t2r = f32x4.add(a2r, a3r), t2i = f32x4.add(a2i, a3i);
      const t3r = f32x4.sub(a1r, a4r), t3i = f32x4.sub(a1i, a4i);
      const t4r = f32x4.sub(a2r, a3r), t4i = f32x4.sub(a2i, a3i);
      const b = ya + o;
      v128.store(b, f32x4.add(a0r, f32x4.add(t1r, t2r)));
      v128.store(b, f32x4.add(a0i, f32x4.add(t1i, t2i)), 16);
      const b1r = f32x4.add(a0r, f32x4.add(f32x4.mul(c1, t1r), f32x4.mul(c2, t2r)));
      const b1i = f32x4.add(a0i, f32x4.add(f32x4.mul(c1, t1i), f32x4.mul(c2, t2i)));
      const b2r = f32x4.add(a0r, f32x4.add(f32x4.mul(c2, t1r), f32x4.mul(c1, t2r)));
      const b2i = f32x4.add(a0i, f32x4.add(f32x4.mul(c2, t1i), f32x4.mul(c1, t2i)));
      const d1r = f32x4.add(f32x4.mul(s1, t3r), f32x4.mul(s2, t4r));
      const d1i = f32x4.add(f32x4.mul(s1, t3i), f32x4.mul(s2, t4i));
      const d2r = f32x4.sub(f32x4.mul(s2, t3r), f32x4.mul(s1, t4r));
      const d2i = f32x4.sub(f32x4.mul(s2, t3i), f32x4.mul(s1, t4i));
      // y1 = b1 − i·d1, y4 = b1 + i·d1, y2 = b2 − i·d2, y3 = b2 + i·d2; then the twiddles w^k.
      twiddleStore(b + run, f32x4.add(b1r, d1i), f32x4.sub(b1i, d1r), tw + sp);
      twiddleStore(b + 2 * run, f32x4.add(b2r, d2i), f32x4.sub(b2i, d2r), tw + 2 * sp);
      twiddleStore(b + 3 * run, f32x4.sub(b2r, d2i), f32x4.add(b2i, d2r), tw + 3 * sp);
      twiddleStore(b + 4 * run, f32x4.sub(b1r, d1i), f32x4.add(b1i, d1r), tw + 4 * sp);
    }
  }
}

/** Stores (re, im)·w at dst, w the float32 pair at wp. */
// @ts-ignore: decorator
@inline
function twiddleStore(dst: usize, re: v128, im: v128, wp: usize): void {
  const wr = v128.load32_splat(wp), wi = v128.load32_splat(wp, 4);
  v128.store(dst, f32x4.sub(f32x4.mul(re, wr), f32x4.mul(im, wi)));
  v128.store(dst, f32x4.add(f32x4.mul(re, wi), f32x4.mul(im, wr)), 16);
}

/**
 * Forward DFT of length N (twiddles tw) of B contiguous batches (element e of batch b at x + (e·B + b)·32), using
 * y as the second buffer; returns the buffer that holds the result (x or y). Radices 4, then 2, then 3, then 5.
 */
function fftBatch(N: i32, tw: usize, x: usize, y: usize, B: i32): usize {
  const es = <usize>B << 5;
  let n = N;
  let s = 1;
  let src = x;
  let dst = y;
  while (n > 1) {
    let r = 5;
    if (n % 4 == 0) r = 4;
    else if (n % 2 == 0) r = 2;
    else if (n % 3 == 0) r = 3;
    if (r == 4) stage4(src, dst, tw, n, s, es);
    else if (r == 2) stage2(src, dst, tw, n, s, es);
    else if (r == 3) stage3(src, dst, tw, n, s, es);
    else stage5(src, dst, tw, n, s, es);
    const tmp = src;
    src = dst;
    dst = tmp;
    n /= r;
    s *= r;
  }
  return src;
}

/** Number of Stockham stages of a length-N transform (the parity decides which buffer receives the result). */
function fftStageCount(N: i32): i32 {
  let n = N;
  let c = 0;
  while (n > 1) {
    if (n % 4 == 0) n >>= 2;
    else if (n % 2 == 0) n >>= 1;
    else if (n % 3 == 0) n /= 3;
    else n /= 5;
    c++;
  }
  return c;
}

/**
 * Twice the half spectrum of the real h × w image of four channels at src + y·rowStride + x·colStride (one v128
 * per pixel), zero-padded to Nh × Nw: written to img, bin (ky, kx) at img + (ky·Mw + kx)·32 (re v128, im v128),
 * Mw = ⌊Nw/2⌋ + 1. Work buffers: R, R2 (Nw·⌈h/2⌉ elements) and Bq (Nh·Mw elements).
 */
function fwdReal2d(
  src: usize, rowStride: usize, colStride: usize, h: i32, w: i32, Nh: i32, Nw: i32, twH: usize, twW: usize,
  R: usize, R2: usize, Bq: usize, img: usize,
): void {
  const zero = f32x4.splat(0);
  const Mw = (Nw >> 1) + 1;
  const np = (h + 1) >> 1;
  const es = <usize>np << 5;
  // Rows 2r and 2r + 1 as the real and imaginary parts of complex row r, transformed along x.
  for (let x = 0; x < Nw; x++) {
    const rp = R + <usize>x * es;
    if (x < w) {
      const sp = src + <usize>x * colStride;
      for (let r = 0; r < np; r++) {
        const a = sp + <usize>(2 * r) * rowStride;
        const e = rp + (<usize>r << 5);
        v128.store(e, v128.load(a));
        v128.store(e, 2 * r + 1 < h ? v128.load(a + rowStride) : zero, 16);
      }
    } else {
      for (let o: usize = 0; o < es; o += 32) {
        v128.store(rp + o, zero);
        v128.store(rp + o, zero, 16);
      }
    }
  }
  const Rr = fftBatch(Nw, twW, R, R2, np);
  // Split: row 2r gets Z(k) + conj Z(−k), row 2r + 1 gets −i·(Z(k) − conj Z(−k)) (twice the row spectra), into
  // whichever of img and Bq makes the transform along y end in img.
  const first = fftStageCount(Nh) & 1 ? Bq : img;
  const second = first == img ? Bq : img;
  const rowB = <usize>Mw << 5;
  for (let r = 0; r < np; r++) {
    const ro = <usize>r << 5;
    const a = first + <usize>(2 * r) * rowB;
    const odd = 2 * r + 1 < h;
    for (let k = 0; k < Mw; k++) {
      const z = Rr + <usize>k * es + ro;
      const c = Rr + <usize>(k == 0 ? 0 : Nw - k) * es + ro;
      const zr = v128.load(z), zi = v128.load(z, 16);
      const cr = v128.load(c), ci = v128.load(c, 16);
      const e = a + (<usize>k << 5);
      v128.store(e, f32x4.add(zr, cr));
      v128.store(e, f32x4.sub(zi, ci), 16);
      if (odd) {
        v128.store(e + rowB, f32x4.add(zi, ci));
        v128.store(e + rowB, f32x4.sub(cr, zr), 16);
      }
    }
  }
  for (let o = <usize>h * rowB, end = <usize>Nh * rowB; o < end; o += 32) {
    v128.store(first + o, zero);
    v128.store(first + o, zero, 16);
  }
  fftBatch(Nh, twH, first, second, Mw);
}

/**
 * Inverse of fwdReal2d without normalisation: img holds the half spectrum of a real Nh × Nw image of four channels
 * with re and im swapped (bin b at img + b·32: im v128, then re v128; overwritten); writes its rows
 * pad … pad + hin − 1 and columns pad … pad + win − 1 to dst + y·rowStride + x·colStride (y < hin, x < win).
 */
function invReal2d(
  img: usize, Nh: i32, Nw: i32, twH: usize, twW: usize, R: usize, R2: usize, Bq: usize,
  pad: i32, hin: i32, win: i32, dst: usize, rowStride: usize, colStride: usize,
): void {
  const zero = f32x4.splat(0);
  const Mw = (Nw >> 1) + 1;
  // Along y: ifft = swap ∘ fft ∘ swap (re ↔ im), the input being swapped already.
  const Br = fftBatch(Nh, twH, img, Bq, Mw);
  // Rows u = pad + 2r and u + 1 (X_u, X_{u+1}: their row spectra, still swapped in Br) packed as
  // Z(k) = X_u(k) + i·X_{u+1}(k) over the full row (X(Nw − k) = conj X(k)), swapped again for the inverse along x.
  const np = (hin + 1) >> 1;
  const es = <usize>np << 5;
  const rowB = <usize>Mw << 5;
  for (let r = 0; r < np; r++) {
    const ro = <usize>r << 5;
    const ua = Br + <usize>(pad + 2 * r) * rowB;
    const odd = 2 * r + 1 < hin;
    for (let k = 0; k < Mw; k++) {
      const a = ua + (<usize>k << 5);
      const ar = v128.load(a, 16), ai = v128.load(a);
      const br = odd ? v128.load(a + rowB, 16) : zero;
      const bi = odd ? v128.load(a + rowB) : zero;
      const e = R + <usize>k * es + ro;
      v128.store(e, f32x4.add(ai, br));
      v128.store(e, f32x4.sub(ar, bi), 16);
    }
    for (let k = Mw; k < Nw; k++) {
      const a = ua + (<usize>(Nw - k) << 5);
      const ar = v128.load(a, 16), ai = v128.load(a);
      const br = odd ? v128.load(a + rowB, 16) : zero;
      const bi = odd ? v128.load(a + rowB) : zero;
      const e = R + <usize>k * es + ro;
      v128.store(e, f32x4.sub(br, ai));
      v128.store(e, f32x4.add(ar, bi), 16);
    }
  }
  const Rr = fftBatch(Nw, twW, R, R2, np);
  // z = swap(result): row u is the imaginary part, row u + 1 the real part.
  for (let r = 0; r < np; r++) {
    const d0 = dst + <usize>(2 * r) * rowStride;
    const e0 = Rr + <usize>pad * es + (<usize>r << 5);
    if (2 * r + 1 < hin) {
      for (let x = 0; x < win; x++) {
        const d = d0 + <usize>x * colStride;
        const e = e0 + <usize>x * es;
        v128.store(d, v128.load(e, 16));
        v128.store(d + rowStride, v128.load(e));
      }
    } else {
      for (let x = 0; x < win; x++) v128.store(d0 + <usize>x * colStride, v128.load(e0 + <usize>x * es, 16));
    }
  }
}

/** The four real accumulations of one complex multiply-add, a·b with a = (xr, xi) broadcast and b = (br, bi). */
// @ts-ignore: decorator
@inline
function cmacc(p: v128, xr: v128, br: v128): v128 {
  return f32x4.add(p, f32x4.mul(xr, br));
}

/**
 * One frequency bin of the spectral product: C[i][j] = Σ_k A[i][k]·B[k][j] (complex, i < M steps, k < K = cout,
 * j < 4nv input channels). A: the gz spectra, element (i, k) at a + i·aRow + (k >> 2)·img + (k & 3)·4 (re) and
 * + 16 (im); B: the weight spectrum, rows of 4nv floats at b (re) and bIm (im), row stride sb; C written at
 * c + i·cRow + (j >> 2)·img as im v128, re v128 (swapped for invReal2d). Register blocks of 1 row × 2 vectors with
 * separate accumulators for the four real products (8 accumulators, one addition each per k: the chains stay
 * short; 6 loads per 16 operations). Measured at ~48 GFLOP/s on the best c2 layer against ~22 for 2 × 2 blocks
 * accumulating a·b − c·d in place.
 */
function cgemmBin(a: usize, aRow: usize, img: usize, b: usize, bIm: usize, sb: usize, c: usize, cRow: usize, M: i32, nv: i32, K: i32): void {
  const zero = f32x4.splat(0);
  const kg = K >> 2;
  const kt = K & 3;
  let j = 0;
  for (; j + 2 <= nv; j += 2) {
    const jb = <usize>j << 4;
    for (let i = 0; i < M; i++) {
      let ap = a + <usize>i * aRow;
      let bp = b + jb;
      let bq = bIm + jb;
      let p0 = zero, m0 = zero, s0 = zero, t0 = zero, p1 = zero, m1 = zero, s1 = zero, t1 = zero;
      for (let g = 0; g < kg; g++) {
        for (let u: usize = 0; u < 16; u += 4) {
          const xr = v128.load32_splat(ap + u), xi = v128.load32_splat(ap + u, 16);
          const br0 = v128.load(bp), bi0 = v128.load(bq);
          p0 = cmacc(p0, xr, br0); m0 = cmacc(m0, xi, bi0); s0 = cmacc(s0, xr, bi0); t0 = cmacc(t0, xi, br0);
          const br1 = v128.load(bp, 16), bi1 = v128.load(bq, 16);
          p1 = cmacc(p1, xr, br1); m1 = cmacc(m1, xi, bi1); s1 = cmacc(s1, xr, bi1); t1 = cmacc(t1, xi, br1);
          bp += sb;
          bq += sb;
        }
        ap += img;
      }
      for (let u: usize = 0; u < <usize>(kt << 2); u += 4) {
        const xr = v128.load32_splat(ap + u), xi = v128.load32_splat(ap + u, 16);
        const br0 = v128.load(bp), bi0 = v128.load(bq);
        p0 = cmacc(p0, xr, br0); m0 = cmacc(m0, xi, bi0); s0 = cmacc(s0, xr, bi0); t0 = cmacc(t0, xi, br0);
        const br1 = v128.load(bp, 16), bi1 = v128.load(bq, 16);
        p1 = cmacc(p1, xr, br1); m1 = cmacc(m1, xi, bi1); s1 = cmacc(s1, xr, bi1); t1 = cmacc(t1, xi, br1);
        bp += sb;
        bq += sb;
      }
      const cp = c + <usize>i * cRow + <usize>j * img;
      v128.store(cp, f32x4.add(s0, t0));
      v128.store(cp, f32x4.sub(p0, m0), 16);
      v128.store(cp + img, f32x4.add(s1, t1));
      v128.store(cp + img, f32x4.sub(p1, m1), 16);
    }
  }
  if (j < nv) {
    const jb = <usize>j << 4;
    for (let i = 0; i < M; i++) {
      let ap = a + <usize>i * aRow;
      let bp = b + jb;
      let bq = bIm + jb;
      let p0 = zero, m0 = zero, s0 = zero, t0 = zero;
      for (let k = 0; k < K; k++) {
        const u = <usize>(k >> 2) * img + (<usize>(k & 3) << 2);
        const xr = v128.load32_splat(ap + u), xi = v128.load32_splat(ap + u, 16);
        const br0 = v128.load(bp), bi0 = v128.load(bq);
        p0 = cmacc(p0, xr, br0); m0 = cmacc(m0, xi, bi0); s0 = cmacc(s0, xr, bi0); t0 = cmacc(t0, xi, br0);
        bp += sb;
        bq += sb;
      }
      const cp = c + <usize>i * cRow + <usize>j * img;
      v128.store(cp, f32x4.add(s0, t0));
      v128.store(cp, f32x4.sub(p0, m0), 16);
    }
  }
}

/** Bytes of the transform work buffers at the start of the scratch area: 2·Nh·Mw + 2·Nw·⌈Nh/2⌉ elements of 32 bytes. */
// @ts-ignore: decorator
@inline
function fftWorkBytes(Nh: i32, Nw: i32): usize {
  return (<usize>(2 * Nh * ((Nw >> 1) + 1) + 2 * Nw * ((Nh + 1) >> 1))) << 5;
}

/**
 * Bytes between the spectra of two images in the scratch area: bins·32 rounded up to an odd number of 64-byte
 * lines, so that the lines a GEMM over one bin reads (one per image) spread over every L1 set (a stride of an even
 * number of lines, e.g. 72 for 16 × 9 bins, maps them onto a few sets and thrashes).
 */
// @ts-ignore: decorator
@inline
function fftImageBytes(bins: i32): usize {
  return (<usize>(((bins + 1) >> 1) | 1)) << 6;
}

/** Bytes of the planes of one step (gz: coutp × Pz floats, gx: cinp × Px floats; one area for both). */
// @ts-ignore: decorator
@inline
function fftPlaneBytes(coutp: i32, Pz: i32, cinp: i32, Px: i32): usize {
  return <usize>max(coutp * Pz, cinp * Px) << 2;
}

/** Bytes of the twiddle tables at the start of the weight spectrum (Nh + Nw float32 pairs, rounded up to 16). */
// @ts-ignore: decorator
@inline
function fftHeaderBytes(Nh: i32, Nw: i32): usize {
  return ((<usize>(Nh + Nw) << 3) + 15) & ~<usize>15;
}

/**
 * Weight spectrum for fftConvBackwardInput (call after every change of wt). spec starts with the twiddle tables
 * w_N^j = (cos 2πj/N, −sin 2πj/N) as float32 pairs, j < N, for N = Nh then Nw, written by the caller (the module
 * has no trigonometry: NativeMath's would bring a data segment into the arena's guard page); then, per
 * bin (ky·Mw + kx, Mw = ⌊Nw/2⌋ + 1) the real parts [cout × cinp] and the imaginary parts [cout × cinp] of the 2-D
 * DFT of w[co, ci] (placed at (ky, kx) of an Nh × Nw grid), scaled by 1/(Nh·Nw) and by 1/4 for the doubled
 * spectra of fwdReal2d. scratch: at least fftWorkBytes.
 */
export function fftPrepareBackward(cout: i32, cinp: i32, kh: i32, kw: i32, Nh: i32, Nw: i32, wt: usize, spec: usize, scratch: usize): void {
  const Mw = (Nw >> 1) + 1;
  const bins = Nh * Mw;
  const twH = spec;
  const twW = spec + (<usize>Nh << 3);
  const Wf = spec + fftHeaderBytes(Nh, Nw);
  const Bq = scratch;
  const img = Bq + (<usize>bins << 5);
  const R = img + (<usize>bins << 5);
  const R2 = R + (<usize>(Nw * ((Nh + 1) >> 1)) << 5);
  const scale = f32x4.splat(<f32>(0.25 / (<f64>Nh * <f64>Nw)));
  const blk = <usize>(cout * cinp) << 2;
  for (let co = 0; co < cout; co++) {
    for (let c = 0; c < cinp; c += 4) {
      const off = <usize>(co * cinp + c) << 2;
      fwdReal2d(wt + off, <usize>kw * blk, blk, kh, kw, Nh, Nw, twH, twW, R, R2, Bq, img);
      for (let bin = 0; bin < bins; bin++) {
        const e = img + (<usize>bin << 5);
        const d = Wf + <usize>bin * (blk << 1) + off;
        v128.store(d, f32x4.mul(v128.load(e), scale));
        v128.store(d + blk, f32x4.mul(v128.load(e, 16), scale));
      }
    }
  }
}

/**
 * gx[(y,x,t), ci] += Σ_{ky,kx,co} gz[(oy,ox,t), co]·wt[(ky,kx,co), ci] (stride 1) for t0 ≤ t < t1 by FFT, with the
 * weight spectrum of fftPrepareBackward. Chunks of up to `chunk` steps: the gz spectra of the chunk (one image of
 * bins·32 bytes per step and 4 channels, [step][channel group][bin], images fftImageBytes apart), one complex GEMM
 * per bin into the products (same layout, re/im swapped), the inverse transforms added into gx. Each step's gz rows
 * are first copied into planes [channel group][pixel] and the inverse transforms written into such planes before one
 * pass adds them into gx: the steps are interleaved in the [p][t][c] layout, and a pass per channel group over a
 * large map would fetch every line once per group. scratch: fftWorkBytes, fftPlaneBytes, then chunk·(coutp + cinp)/4
 * images.
 */
export function fftConvBackwardInput(
  cout: i32, cinp: i32, coutp: i32, hin: i32, win: i32, hout: i32, wout: i32, kh: i32, kw: i32, pad: i32, T: i32,
  t0: i32, t1: i32, Nh: i32, Nw: i32, chunk: i32, gz: usize, spec: usize, gx: usize, scratch: usize,
): void {
  if (cout <= 0 || t1 <= t0) return;
  const Mw = (Nw >> 1) + 1;
  const bins = Nh * Mw;
  const twH = spec;
  const twW = spec + (<usize>Nh << 3);
  const Wf = spec + fftHeaderBytes(Nh, Nw);
  const wBlk = <usize>(cout * cinp) << 2;
  const Bq = scratch;
  const R = Bq + (<usize>(2 * bins) << 5);
  const R2 = R + (<usize>(Nw * ((Nh + 1) >> 1)) << 5);
  const img = fftImageBytes(bins);
  const cg = coutp >> 2;
  const cig = cinp >> 2;
  const Pz = hout * wout;
  const Px = hin * win;
  const plane = scratch + fftWorkBytes(Nh, Nw);
  const Gf = plane + fftPlaneBytes(coutp, Pz, cinp, Px);
  const Xf = Gf + <usize>(chunk * cg) * img;
  const zRow = <usize>coutp << 2;
  const xRow = <usize>cinp << 2;
  for (let c0 = t0; c0 < t1; c0 += chunk) {
    const S = min(chunk, t1 - c0);
    for (let s = 0; s < S; s++) {
      // One pass over the step's rows of gz (every line read once) into planes [group][pixel], then the transforms.
      const src = gz + <usize>(c0 + s) * zRow;
      const gPlane = <usize>Pz << 4;
      for (let p = 0; p < Pz; p++) {
        const a = src + <usize>(p * T) * zRow;
        const d = plane + (<usize>p << 4);
        for (let g = 0; g < cg; g++) v128.store(d + <usize>g * gPlane, v128.load(a + (<usize>g << 4)));
      }
      for (let g = 0; g < cg; g++) {
        fwdReal2d(plane + <usize>g * gPlane, <usize>wout << 4, 16, hout, wout, Nh, Nw, twH, twW, R, R2, Bq, Gf + <usize>(s * cg + g) * img);
      }
    }
    // Columns kx = 0 and (Nw even) kx = Nw/2 of a real image's spectrum are Hermitian along ky: there, the rows
    // ky > Nh/2 are the conjugates of the rows Nh − ky, products included (both factors are such spectra), and are
    // copied rather than multiplied.
    const cols = Nw & 1 ? 1 : 2;
    const xImages = S * cig;
    for (let bin = 0; bin < bins; bin++) {
      const ky = bin / Mw;
      const kx = bin - ky * Mw;
      if (2 * ky > Nh && (kx == 0 || (cols == 2 && kx == Mw - 1))) continue;
      const b = Wf + <usize>bin * (wBlk << 1);
      const o = <usize>bin << 5;
      cgemmBin(Gf + o, <usize>cg * img, img, b, b + wBlk, xRow, Xf + o, <usize>cig * img, S, cig, cout);
    }
    for (let ky = (Nh >> 1) + 1; ky < Nh; ky++) {
      for (let c = 0; c < cols; c++) {
        const kx = c == 0 ? 0 : Mw - 1;
        const d = Xf + (<usize>(ky * Mw + kx) << 5);
        const m = Xf + (<usize>((Nh - ky) * Mw + kx) << 5);
        // Stored swapped (im, re): the conjugate is (−im, re).
        for (let q = 0; q < xImages; q++) {
          const o = <usize>q * img;
          v128.store(d + o, f32x4.neg(v128.load(m + o)));
          v128.store(d + o, v128.load(m + o, 16), 16);
        }
      }
    }
    for (let s = 0; s < S; s++) {
      // The inverse transforms into planes [group][pixel], then one pass adding them to the step's rows of gx.
      const gPlane = <usize>Px << 4;
      for (let g = 0; g < cig; g++) {
        invReal2d(Xf + <usize>(s * cig + g) * img, Nh, Nw, twH, twW, R, R2, Bq, pad, hin, win, plane + <usize>g * gPlane, <usize>win << 4, 16);
      }
      const dst = gx + <usize>(c0 + s) * xRow;
      for (let p = 0; p < Px; p++) {
        const d = dst + <usize>(p * T) * xRow;
        const e = plane + (<usize>p << 4);
        for (let g = 0; g < cig; g++) {
          const q = d + (<usize>g << 4);
          v128.store(q, f32x4.add(v128.load(q), v128.load(e + <usize>g * gPlane)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sum pooling

/** z[(oy,ox,t), c] += value for every input spike inside the window of (oy, ox) (scalar, the twins' order). */
export function poolForward(
  cp: i32, hin: i32, win: i32, hout: i32, wout: i32, k: i32, stride: i32, T: i32, rowPtr: usize, chan: usize, value: f32, z: usize,
): void {
  const rows = hin * win * T;
  for (let r = 0; r < rows; r++) {
    const a = load<i32>(rowPtr + (<usize>r << 2));
    const b = load<i32>(rowPtr + (<usize>r << 2), 4);
    if (a == b) continue;
    const t = r % T;
    const p = r / T;
    const y = p / win;
    const xx = p - y * win;
    // Windows containing y: oy·s ≤ y < oy·s + k.
    let oy0 = y - k + 1 <= 0 ? 0 : (y - k + stride) / stride;
    let oy1 = y / stride;
    if (oy1 > hout - 1) oy1 = hout - 1;
    let ox0 = xx - k + 1 <= 0 ? 0 : (xx - k + stride) / stride;
    let ox1 = xx / stride;
    if (ox1 > wout - 1) ox1 = wout - 1;
    for (let oy = oy0; oy <= oy1; oy++) {
      for (let ox = ox0; ox <= ox1; ox++) {
        const zb = z + <usize>(((oy * wout + ox) * T + t) * cp) * 4;
        for (let j = a; j < b; j++) {
          const q = zb + (<usize>load<i32>(chan + (<usize>j << 2)) << 2);
          store<f32>(q, load<f32>(q) + value);
        }
      }
    }
  }
}

/** gx[(y,x,t), c] += Σ over windows containing (y, x) of gz[(oy,ox,t), c]: blocks of T·cp floats. */
export function poolBackwardInput(cp: i32, hin: i32, win: i32, hout: i32, wout: i32, k: i32, stride: i32, T: i32, gz: usize, gx: usize): void {
  const blk = <usize>(T * cp) << 2;
  for (let oy = 0; oy < hout; oy++) {
    for (let ox = 0; ox < wout; ox++) {
      const zb = gz + <usize>(oy * wout + ox) * blk;
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const xb = gx + <usize>((oy * stride + ky) * win + ox * stride + kx) * blk;
          let i: usize = 0;
          for (; i + 64 <= blk; i += 64) {
            v128.store(xb + i, f32x4.add(v128.load(xb + i), v128.load(zb + i)));
            v128.store(xb + i, f32x4.add(v128.load(xb + i, 16), v128.load(zb + i, 16)), 16);
            v128.store(xb + i, f32x4.add(v128.load(xb + i, 32), v128.load(zb + i, 32)), 32);
            v128.store(xb + i, f32x4.add(v128.load(xb + i, 48), v128.load(zb + i, 48)), 48);
          }
          for (; i < blk; i += 16) v128.store(xb + i, f32x4.add(v128.load(xb + i), v128.load(zb + i)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Neurons: scans over t, four channels per v128

/**
 * ALIF scan (float mode) for P·cp neurons: u, v, delta = v − (ϑ + r) and s ∈ {0, 1} written at (p·T + t)·cp + c.
 * Two lane groups are scanned together when possible (independent dependency chains).
 */
export function alifForward(
  P: i32, T: i32, cp: i32, z: usize, ku: f32, kv: f32, kth: f32, kr: f32, theta0: f32, step: f32,
  u: usize, v: usize, delta: usize, s: usize,
): void {
  const vku = f32x4.splat(ku);
  const vkv = f32x4.splat(kv);
  const vkth = f32x4.splat(kth);
  const vkr = f32x4.splat(kr);
  const vth0 = f32x4.splat(theta0);
  const vstep = f32x4.splat(step);
  const one = f32x4.splat(1.0);
  const row = <usize>cp << 2;
  const groups = cp >> 2;
  for (let p = 0; p < P; p++) {
    const base = <usize>(p * T) * row;
    let g = 0;
    for (; g + 2 <= groups; g += 2) {
      let U0 = f32x4.splat(0), V0 = f32x4.splat(0), R0 = f32x4.splat(0), H0 = vth0;
      let U1 = f32x4.splat(0), V1 = f32x4.splat(0), R1 = f32x4.splat(0), H1 = vth0;
      let o = base + (<usize>g << 4);
      for (let t = 0; t < T; t++) {
        U0 = f32x4.add(f32x4.mul(vku, U0), v128.load(z + o));
        U1 = f32x4.add(f32x4.mul(vku, U1), v128.load(z + o, 16));
        V0 = f32x4.add(f32x4.mul(vkv, V0), U0);
        V1 = f32x4.add(f32x4.mul(vkv, V1), U1);
        R0 = f32x4.mul(vkr, R0);
        R1 = f32x4.mul(vkr, R1);
        H0 = f32x4.add(f32x4.mul(vkth, f32x4.sub(H0, vth0)), vth0);
        H1 = f32x4.add(f32x4.mul(vkth, f32x4.sub(H1, vth0)), vth0);
        const e0 = f32x4.add(H0, R0);
        const e1 = f32x4.add(H1, R1);
        const m0 = f32x4.ge(V0, e0);
        const m1 = f32x4.ge(V1, e1);
        v128.store(u + o, U0); v128.store(u + o, U1, 16);
        v128.store(v + o, V0); v128.store(v + o, V1, 16);
        v128.store(delta + o, f32x4.sub(V0, e0)); v128.store(delta + o, f32x4.sub(V1, e1), 16);
        v128.store(s + o, v128.and(one, m0)); v128.store(s + o, v128.and(one, m1), 16);
        R0 = f32x4.add(R0, v128.and(f32x4.add(H0, H0), m0));
        R1 = f32x4.add(R1, v128.and(f32x4.add(H1, H1), m1));
        H0 = f32x4.add(H0, v128.and(vstep, m0));
        H1 = f32x4.add(H1, v128.and(vstep, m1));
        o += row;
      }
    }
    if (g < groups) {
      let U0 = f32x4.splat(0), V0 = f32x4.splat(0), R0 = f32x4.splat(0), H0 = vth0;
      let o = base + (<usize>g << 4);
      for (let t = 0; t < T; t++) {
        U0 = f32x4.add(f32x4.mul(vku, U0), v128.load(z + o));
        V0 = f32x4.add(f32x4.mul(vkv, V0), U0);
        R0 = f32x4.mul(vkr, R0);
        H0 = f32x4.add(f32x4.mul(vkth, f32x4.sub(H0, vth0)), vth0);
        const e0 = f32x4.add(H0, R0);
        const m0 = f32x4.ge(V0, e0);
        v128.store(u + o, U0);
        v128.store(v + o, V0);
        v128.store(delta + o, f32x4.sub(V0, e0));
        v128.store(s + o, v128.and(one, m0));
        R0 = f32x4.add(R0, v128.and(f32x4.add(H0, H0), m0));
        H0 = f32x4.add(H0, v128.and(vstep, m0));
        o += row;
      }
    }
  }
}

/**
 * CUBA scan (float mode): u, delta = v − θ (before the reset), s, and v after the reset (v ← 0 after a spike: the
 * state carried to the next step, which the voltage-decay gradient multiplies).
 */
export function cubaForward(
  P: i32, T: i32, cp: i32, z: usize, ku: f32, kv: f32, theta: f32, u: usize, v: usize, delta: usize, s: usize,
): void {
  const vku = f32x4.splat(ku);
  const vkv = f32x4.splat(kv);
  const vth = f32x4.splat(theta);
  const one = f32x4.splat(1.0);
  const row = <usize>cp << 2;
  const groups = cp >> 2;
  for (let p = 0; p < P; p++) {
    const base = <usize>(p * T) * row;
    let g = 0;
    for (; g + 2 <= groups; g += 2) {
      let U0 = f32x4.splat(0), V0 = f32x4.splat(0), U1 = f32x4.splat(0), V1 = f32x4.splat(0);
      let o = base + (<usize>g << 4);
      for (let t = 0; t < T; t++) {
        U0 = f32x4.add(f32x4.mul(vku, U0), v128.load(z + o));
        U1 = f32x4.add(f32x4.mul(vku, U1), v128.load(z + o, 16));
        V0 = f32x4.add(f32x4.mul(vkv, V0), U0);
        V1 = f32x4.add(f32x4.mul(vkv, V1), U1);
        const m0 = f32x4.ge(V0, vth);
        const m1 = f32x4.ge(V1, vth);
        v128.store(u + o, U0); v128.store(u + o, U1, 16);
        v128.store(delta + o, f32x4.sub(V0, vth)); v128.store(delta + o, f32x4.sub(V1, vth), 16);
        v128.store(s + o, v128.and(one, m0)); v128.store(s + o, v128.and(one, m1), 16);
        V0 = v128.andnot(V0, m0);
        V1 = v128.andnot(V1, m1);
        v128.store(v + o, V0); v128.store(v + o, V1, 16);
        o += row;
      }
    }
    if (g < groups) {
      let U0 = f32x4.splat(0), V0 = f32x4.splat(0);
      let o = base + (<usize>g << 4);
      for (let t = 0; t < T; t++) {
        U0 = f32x4.add(f32x4.mul(vku, U0), v128.load(z + o));
        V0 = f32x4.add(f32x4.mul(vkv, V0), U0);
        const m0 = f32x4.ge(V0, vth);
        v128.store(u + o, U0);
        v128.store(delta + o, f32x4.sub(V0, vth));
        v128.store(s + o, v128.and(one, m0));
        V0 = v128.andnot(V0, m0);
        v128.store(v + o, V0);
        o += row;
      }
    }
  }
}

/** Adds the four f32 lanes of x, widened, to the two f64 lanes of acc. */
// @ts-ignore: decorator
@inline
function widenAdd(acc: v128, x: v128): v128 {
  return f64x2.add(f64x2.add(acc, f64x2.promote_low_f32x4(x)), f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)));
}

/**
 * Backward through the surrogate and both integrators, t from T−1 down to 0, four channels per v128:
 * gV = gs·surA·exp(−|delta|/surTau), gU = kv·gU + gV, gz = gZ = ku·gZ + gU (written). The decay-gradient sums
 * Σ_{t≥1} gZ[t]·u[t−1] and Σ_{t≥1} gU[t]·v[t−1] are accumulated in float32 per neuron over its T steps (T terms),
 * then in float64 across neurons, and added to acc[0], acc[1]. Two lane groups are scanned together when possible.
 */
export function neuronBackward(
  P: i32, T: i32, cp: i32, gs: usize, delta: usize, u: usize, v: usize, ku: f32, kv: f32, surA: f32, surTau: f32,
  gz: usize, acc: usize, tEnd: i32, decays: i32,
): void {
  const vku = f32x4.splat(ku);
  const vkv = f32x4.splat(kv);
  const vA = f32x4.splat(surA);
  // exp(−|δ|/τ) as exp(−|δ|·(1/τ)): a multiply instead of a divide in the inner loop.
  const vInv = f32x4.splat(<f32>1 / surTau);
  const row = <usize>cp << 2;
  const groups = cp >> 2;
  let sumU = f64x2.splat(0);
  let sumV = f64x2.splat(0);
  if (T <= 0) return;
  for (let p = 0; p < P; p++) {
    // gs is 0 from tEnd on: so is gz, and the reverse scan starts at tEnd − 1.
    if (tEnd < T) memory.fill(gz + <usize>(p * T + tEnd) * row, 0, <usize>(T - tEnd) * row);
    if (tEnd <= 0) continue;
    const last = <usize>(p * T + tEnd - 1) * row;
    let g = 0;
    for (; g + 2 <= groups; g += 2) {
      let gU = f32x4.splat(0), gZ = f32x4.splat(0), aU = f32x4.splat(0), aV = f32x4.splat(0);
      let hU = f32x4.splat(0), hZ = f32x4.splat(0), bU = f32x4.splat(0), bV = f32x4.splat(0);
      let o = last + (<usize>g << 4);
      for (let t = tEnd - 1; t > 0; t--) {
        const e0 = expNeg4(f32x4.neg(f32x4.mul(f32x4.abs(v128.load(delta + o)), vInv)));
        const e1 = expNeg4(f32x4.neg(f32x4.mul(f32x4.abs(v128.load(delta + o, 16)), vInv)));
        gU = f32x4.add(f32x4.mul(vkv, gU), f32x4.mul(f32x4.mul(v128.load(gs + o), vA), e0));
        hU = f32x4.add(f32x4.mul(vkv, hU), f32x4.mul(f32x4.mul(v128.load(gs + o, 16), vA), e1));
        gZ = f32x4.add(f32x4.mul(vku, gZ), gU);
        hZ = f32x4.add(f32x4.mul(vku, hZ), hU);
        v128.store(gz + o, gZ);
        v128.store(gz + o, hZ, 16);
        o -= row;
        // Decay gradients only for blocks that learn their decays (pools do not): saves two streams of loads.
        if (decays) {
          aV = f32x4.add(aV, f32x4.mul(gU, v128.load(v + o)));
          bV = f32x4.add(bV, f32x4.mul(hU, v128.load(v + o, 16)));
          aU = f32x4.add(aU, f32x4.mul(gZ, v128.load(u + o)));
          bU = f32x4.add(bU, f32x4.mul(hZ, v128.load(u + o, 16)));
        }
      }
      const e0 = expNeg4(f32x4.neg(f32x4.mul(f32x4.abs(v128.load(delta + o)), vInv)));
      const e1 = expNeg4(f32x4.neg(f32x4.mul(f32x4.abs(v128.load(delta + o, 16)), vInv)));
      gU = f32x4.add(f32x4.mul(vkv, gU), f32x4.mul(f32x4.mul(v128.load(gs + o), vA), e0));
      hU = f32x4.add(f32x4.mul(vkv, hU), f32x4.mul(f32x4.mul(v128.load(gs + o, 16), vA), e1));
      v128.store(gz + o, f32x4.add(f32x4.mul(vku, gZ), gU));
      v128.store(gz + o, f32x4.add(f32x4.mul(vku, hZ), hU), 16);
      sumU = widenAdd(widenAdd(sumU, aU), bU);
      sumV = widenAdd(widenAdd(sumV, aV), bV);
    }
    if (g < groups) {
      let gU = f32x4.splat(0), gZ = f32x4.splat(0), aU = f32x4.splat(0), aV = f32x4.splat(0);
      let o = last + (<usize>g << 4);
      for (let t = tEnd - 1; t > 0; t--) {
        const e = expNeg4(f32x4.neg(f32x4.mul(f32x4.abs(v128.load(delta + o)), vInv)));
        gU = f32x4.add(f32x4.mul(vkv, gU), f32x4.mul(f32x4.mul(v128.load(gs + o), vA), e));
        gZ = f32x4.add(f32x4.mul(vku, gZ), gU);
        v128.store(gz + o, gZ);
        o -= row;
        if (decays) {
          aV = f32x4.add(aV, f32x4.mul(gU, v128.load(v + o)));
          aU = f32x4.add(aU, f32x4.mul(gZ, v128.load(u + o)));
        }
      }
      const e = expNeg4(f32x4.neg(f32x4.mul(f32x4.abs(v128.load(delta + o)), vInv)));
      gU = f32x4.add(f32x4.mul(vkv, gU), f32x4.mul(f32x4.mul(v128.load(gs + o), vA), e));
      gZ = f32x4.add(f32x4.mul(vku, gZ), gU);
      v128.store(gz + o, gZ);
      sumU = widenAdd(sumU, aU);
      sumV = widenAdd(sumV, aV);
    }
  }
  store<f64>(acc, load<f64>(acc) + (f64x2.extract_lane(sumU, 0) + f64x2.extract_lane(sumU, 1)));
  store<f64>(acc, load<f64>(acc, 8) + (f64x2.extract_lane(sumV, 0) + f64x2.extract_lane(sumV, 1)), 8);
}

// ---------------------------------------------------------------------------------------------------------
// Spike emission and its gradient

/** True when shift[c] is the same for every c < C. */
function uniformShift(shift: usize, C: i32): bool {
  const sh0 = C > 0 ? load<i32>(shift) : 0;
  for (let c = 1; c < C; c++) if (load<i32>(shift + (<usize>c << 2)) != sh0) return false;
  return true;
}

/**
 * CSR of y[p, t, c] = keep[p, c]·s[p, t − shift[c], c] for c < C (keep = 0 for no dropout): writes rowPtr
 * (P·T + 1 entries) and chan (ascending channels per row); returns the number of spikes. When every channel has
 * the same shift (the usual one-step delay without axonal delays), each row is one row of s, scanned four channels
 * at a time; otherwise channel by channel. Appends are branch-free: each candidate channel is written at chan[n]
 * (when n < cap, the capacity of chan) and n advances when it spikes; the count goes on past cap, so a result
 * above cap means chan was too small (the loader throws).
 */
export function emitSpikes(P: i32, T: i32, C: i32, cp: i32, s: usize, keep: usize, shift: usize, rowPtr: usize, chan: usize, cap: i32): i32 {
  let n = 0;
  const row = <usize>cp << 2;
  const sh0 = C > 0 ? load<i32>(shift) : 0;
  if (uniformShift(shift, C)) {
    const zero = f32x4.splat(0);
    const groups = (C + 3) >> 2;
    const lastBits = C & 3 ? (1 << (C & 3)) - 1 : 15;
    for (let p = 0; p < P; p++) {
      const kp = keep + (<usize>(p * cp) << 2);
      for (let t = 0; t < T; t++) {
        store<i32>(rowPtr + (<usize>(p * T + t) << 2), n);
        const tt = t - sh0;
        if (tt < 0) continue;
        const sr = s + <usize>(p * T + tt) * row;
        for (let g = 0; g < groups; g++) {
          const gb = <usize>g << 4;
          let m = f32x4.ne(v128.load(sr + gb), zero);
          if (keep != 0) m = v128.and(m, f32x4.ne(v128.load(kp + gb), zero));
          let bits = i32x4.bitmask(m);
          if (g == groups - 1) bits &= lastBits;
          if (bits == 0) continue;
          const c0 = g << 2;
          if (n < cap) store<i32>(chan + (<usize>n << 2), c0);
          n += bits & 1;
          if (n < cap) store<i32>(chan + (<usize>n << 2), c0 + 1);
          n += (bits >> 1) & 1;
          if (n < cap) store<i32>(chan + (<usize>n << 2), c0 + 2);
          n += (bits >> 2) & 1;
          if (n < cap) store<i32>(chan + (<usize>n << 2), c0 + 3);
          n += bits >> 3;
        }
      }
    }
  } else {
    for (let p = 0; p < P; p++) {
      const sp = s + <usize>(p * T) * row;
      const kp = keep + (<usize>(p * cp) << 2);
      for (let t = 0; t < T; t++) {
        store<i32>(rowPtr + (<usize>(p * T + t) << 2), n);
        for (let c = 0; c < C; c++) {
          const tt = t - load<i32>(shift + (<usize>c << 2));
          const ok = tt >= 0;
          const q = sp + <usize>(ok ? tt : 0) * row + (<usize>c << 2);
          let on = ok & (load<f32>(q) != 0);
          if (keep != 0) on = on & (load<f32>(kp + (<usize>c << 2)) != 0);
          if (n < cap) store<i32>(chan + (<usize>n << 2), c);
          n += <i32>on;
        }
      }
    }
  }
  store<i32>(rowPtr + (<usize>(P * T) << 2), n);
  return n;
}

/**
 * gs[p, t, c] = gy[p, t + shift[c], c]·keep·scale (0 past T and for padding lanes c ≥ C); adds
 * Σ_{p,t} gy[t]·(y[t] − y[t+1]) (y = scale·keep·s[t − shift], y[T] = 0) to gradDelay[c]. Products are float32
 * (scale·keep rounded to float32), sums float64. With one shift for all channels, four channels per v128;
 * otherwise channel by channel.
 */
export function spikeGradient(
  P: i32, T: i32, C: i32, cp: i32, gy: usize, s: usize, keep: usize, shift: usize, scale: f32, gs: usize, gradDelay: usize,
  withDelay: i32,
): void {
  const row = <usize>cp << 2;
  if (uniformShift(shift, C)) {
    spikeGradientUniform(P, T, C, cp, gy, s, keep, C > 0 ? load<i32>(shift) : 0, scale, gs, gradDelay, withDelay);
    return;
  }
  for (let p = 0; p < P; p++) {
    const base = <usize>(p * T) * row;
    for (let c = 0; c < cp; c++) {
      const cb = base + (<usize>c << 2);
      let m: f32 = 0;
      let sh = 0;
      if (c < C) {
        sh = load<i32>(shift + (<usize>c << 2));
        m = keep == 0 ? scale : load<f32>(keep + (<usize>(p * cp + c) << 2)) * scale;
      }
      if (m == 0) {
        for (let t = 0; t < T; t++) store<f32>(gs + cb + <usize>t * row, 0);
        continue;
      }
      const m64 = <f64>m;
      let dsum: f64 = 0;
      // y[0] = m·s[−sh] when sh ≤ 0.
      let yt: f64 = sh <= 0 ? m64 * <f64>load<f32>(s + cb + <usize>(0 - sh) * row) : 0;
      for (let t = 0; t < T; t++) {
        const src = t + sh;
        const i = cb + <usize>t * row;
        store<f32>(gs + i, src < T ? load<f32>(gy + cb + <usize>src * row) * m : 0);
        const tn = t + 1 - sh;
        const yn: f64 = t + 1 < T && tn >= 0 ? m64 * <f64>load<f32>(s + cb + <usize>tn * row) : 0;
        dsum += <f64>load<f32>(gy + i) * (yt - yn);
        yt = yn;
      }
      const q = gradDelay + (<usize>c << 3);
      store<f64>(q, load<f64>(q) + dsum);
    }
  }
}

/** spikeGradient when every channel has the shift sh. */
function spikeGradientUniform(
  P: i32, T: i32, C: i32, cp: i32, gy: usize, s: usize, keep: usize, sh: i32, scale: f32, gs: usize, gradDelay: usize,
  withDelay: i32,
): void {
  const row = <usize>cp << 2;
  const groups = cp >> 2;
  const vscale = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  const iota = i32x4(0, 1, 2, 3);
  const vC = i32x4.splat(C);
  for (let p = 0; p < P; p++) {
    const base = <usize>(p * T) * row;
    for (let g = 0; g < groups; g++) {
      const c0 = g << 2;
      const cb = base + (<usize>g << 4);
      let m = keep == 0 ? vscale : f32x4.mul(v128.load(keep + (<usize>(p * cp + c0) << 2)), vscale);
      m = v128.and(m, i32x4.lt_s(i32x4.add(iota, i32x4.splat(c0)), vC));
      const live = f32x4.ne(m, zero);
      let dlo = f64x2.splat(0);
      let dhi = f64x2.splat(0);
      let yt = sh <= 0 ? f32x4.mul(m, v128.load(s + cb + <usize>(0 - sh) * row)) : zero;
      for (let t = 0; t < T; t++) {
        const src = t + sh;
        const i = cb + <usize>t * row;
        v128.store(gs + i, src < T ? v128.and(f32x4.mul(v128.load(gy + cb + <usize>src * row), m), live) : zero);
        if (!withDelay) continue;
        const tn = t + 1 - sh;
        const yn = t + 1 < T && tn >= 0 ? f32x4.mul(m, v128.load(s + cb + <usize>tn * row)) : zero;
        const d = f32x4.mul(v128.load(gy + i), f32x4.sub(yt, yn));
        dlo = f64x2.add(dlo, f64x2.promote_low_f32x4(d));
        dhi = f64x2.add(dhi, f64x2.promote_low_f32x4(v128.shuffle<f32>(d, d, 2, 3, 0, 1)));
        yt = yn;
      }
      if (!withDelay) continue;
      const q = gradDelay + (<usize>c0 << 3);
      if (c0 < C) store<f64>(q, load<f64>(q) + f64x2.extract_lane(dlo, 0));
      if (c0 + 1 < C) store<f64>(q, load<f64>(q, 8) + f64x2.extract_lane(dlo, 1), 8);
      if (c0 + 2 < C) store<f64>(q, load<f64>(q, 16) + f64x2.extract_lane(dhi, 0), 16);
      if (c0 + 3 < C) store<f64>(q, load<f64>(q, 24) + f64x2.extract_lane(dhi, 1), 24);
    }
  }
}
