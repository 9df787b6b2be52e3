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
//   bit-identical; convBackwardInput adds the kernel offsets in the opposite order (ascending (ky, kx)), and the
//   neuron scans keep their state in float32 where the twins keep it in float64.
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
  rowPtr: usize, chan: usize, value: f32, gz: usize, gw: usize,
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
          for (let t = 0; t < T; t++) {
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
  gz: usize, acc: usize,
): void {
  const vku = f32x4.splat(ku);
  const vkv = f32x4.splat(kv);
  const vA = f32x4.splat(surA);
  const vTau = f32x4.splat(surTau);
  const row = <usize>cp << 2;
  const groups = cp >> 2;
  let sumU = f64x2.splat(0);
  let sumV = f64x2.splat(0);
  if (T <= 0) return;
  for (let p = 0; p < P; p++) {
    const last = <usize>(p * T + T - 1) * row;
    let g = 0;
    for (; g + 2 <= groups; g += 2) {
      let gU = f32x4.splat(0), gZ = f32x4.splat(0), aU = f32x4.splat(0), aV = f32x4.splat(0);
      let hU = f32x4.splat(0), hZ = f32x4.splat(0), bU = f32x4.splat(0), bV = f32x4.splat(0);
      let o = last + (<usize>g << 4);
      for (let t = T - 1; t > 0; t--) {
        const e0 = expNeg4(f32x4.neg(f32x4.div(f32x4.abs(v128.load(delta + o)), vTau)));
        const e1 = expNeg4(f32x4.neg(f32x4.div(f32x4.abs(v128.load(delta + o, 16)), vTau)));
        gU = f32x4.add(f32x4.mul(vkv, gU), f32x4.mul(f32x4.mul(v128.load(gs + o), vA), e0));
        hU = f32x4.add(f32x4.mul(vkv, hU), f32x4.mul(f32x4.mul(v128.load(gs + o, 16), vA), e1));
        gZ = f32x4.add(f32x4.mul(vku, gZ), gU);
        hZ = f32x4.add(f32x4.mul(vku, hZ), hU);
        v128.store(gz + o, gZ);
        v128.store(gz + o, hZ, 16);
        o -= row;
        aV = f32x4.add(aV, f32x4.mul(gU, v128.load(v + o)));
        bV = f32x4.add(bV, f32x4.mul(hU, v128.load(v + o, 16)));
        aU = f32x4.add(aU, f32x4.mul(gZ, v128.load(u + o)));
        bU = f32x4.add(bU, f32x4.mul(hZ, v128.load(u + o, 16)));
      }
      const e0 = expNeg4(f32x4.neg(f32x4.div(f32x4.abs(v128.load(delta + o)), vTau)));
      const e1 = expNeg4(f32x4.neg(f32x4.div(f32x4.abs(v128.load(delta + o, 16)), vTau)));
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
      for (let t = T - 1; t > 0; t--) {
        const e = expNeg4(f32x4.neg(f32x4.div(f32x4.abs(v128.load(delta + o)), vTau)));
        gU = f32x4.add(f32x4.mul(vkv, gU), f32x4.mul(f32x4.mul(v128.load(gs + o), vA), e));
        gZ = f32x4.add(f32x4.mul(vku, gZ), gU);
        v128.store(gz + o, gZ);
        o -= row;
        aV = f32x4.add(aV, f32x4.mul(gU, v128.load(v + o)));
        aU = f32x4.add(aU, f32x4.mul(gZ, v128.load(u + o)));
      }
      const e = expNeg4(f32x4.neg(f32x4.div(f32x4.abs(v128.load(delta + o)), vTau)));
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
): void {
  const row = <usize>cp << 2;
  if (uniformShift(shift, C)) {
    spikeGradientUniform(P, T, C, cp, gy, s, keep, C > 0 ? load<i32>(shift) : 0, scale, gs, gradDelay);
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
        const tn = t + 1 - sh;
        const yn = t + 1 < T && tn >= 0 ? f32x4.mul(m, v128.load(s + cb + <usize>tn * row)) : zero;
        const d = f32x4.mul(v128.load(gy + i), f32x4.sub(yt, yn));
        dlo = f64x2.add(dlo, f64x2.promote_low_f32x4(d));
        dhi = f64x2.add(dhi, f64x2.promote_low_f32x4(v128.shuffle<f32>(d, d, 2, 3, 0, 1)));
        yt = yn;
      }
      const q = gradDelay + (<usize>c0 << 3);
      if (c0 < C) store<f64>(q, load<f64>(q) + f64x2.extract_lane(dlo, 0));
      if (c0 + 1 < C) store<f64>(q, load<f64>(q, 8) + f64x2.extract_lane(dlo, 1), 8);
      if (c0 + 2 < C) store<f64>(q, load<f64>(q, 16) + f64x2.extract_lane(dhi, 0), 16);
      if (c0 + 3 < C) store<f64>(q, load<f64>(q, 24) + f64x2.extract_lane(dhi, 1), 24);
    }
  }
}
