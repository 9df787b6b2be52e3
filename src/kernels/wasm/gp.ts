// AssemblyScript source of the GP surrogate's hot loops (compiled by `npm run build:wasm:gp` with SIMD enabled
// to src/kernels/wasm/build/gp.wasm). Loader and plain-TypeScript twins: src/kernels/gp-kernels.ts.
//
// Conventions shared with the twins:
// - every pointer is a byte offset into the imported memory; matrices are row-major with the leading dimension
//   (row stride, in elements) given; f64 arrays are 8-byte aligned, f32 arrays 4-byte aligned (v128 loads
//   may be unaligned);
// - no FMA (wasm has none): every product and sum is rounded separately, in an order the twins reproduce:
//   * element-wise and "one output per lane" kernels (kernel values, features, products whose lanes are
//     different outputs) sum sequentially over the reduction index, exactly as a scalar loop would;
//   * dot products of two contiguous rows (Cholesky, triangular inverse, Gram) use two lanes: lane 0 sums the
//     terms at even offsets from the start of the row segment, lane 1 those at odd offsets, a leftover last
//     term is added to lane 0, and the result is lane 0 + lane 1;
// so that the twins give bit-identical results (test/kernels/gp-kernels.test.ts).
// No allocation happens here: the host owns the memory layout.

// ---------------------------------------------------------------------------------------------------------
// Vectorised exp and cos

const LOG2E: f64 = 1.4426950408889634;
/** 1.5·2^52: x + MAGIC − MAGIC rounds x to an integer (ties to even) for |x| < 2^51. */
const MAGIC: f64 = 6755399441055744.0;
/** (1023 − bits(MAGIC)) mod 2^64: (bits(x·log2e + MAGIC) + EXP_BIAS) << 52 is 2^k. */
const EXP_BIAS: i64 = 1023 - 0x4338000000000000;
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
/** Arguments are clamped below to this (exp(−708) ≈ 3e−308 stays normal). */
const EXP_MIN: f64 = -708.0;
const E2: f64 = 1.0 / 2.0;
const E3: f64 = 1.0 / 6.0;
const E4: f64 = 1.0 / 24.0;
const E5: f64 = 1.0 / 120.0;
const E6: f64 = 1.0 / 720.0;
const E7: f64 = 1.0 / 5040.0;
const E8: f64 = 1.0 / 40320.0;
const E9: f64 = 1.0 / 362880.0;
const E10: f64 = 1.0 / 3628800.0;
const E11: f64 = 1.0 / 39916800.0;
const E12: f64 = 1.0 / 479001600.0;
const E13: f64 = 1.0 / 6227020800.0;

/** exp(x) for x ≤ 0 on two lanes (relative error ~1e-16; x below −708 is treated as −708). */
// @ts-ignore: decorator
@inline
function expNeg2(x0: v128): v128 {
  const x = f64x2.max(x0, f64x2.splat(EXP_MIN));
  const t = f64x2.add(f64x2.mul(x, f64x2.splat(LOG2E)), f64x2.splat(MAGIC));
  const k = f64x2.sub(t, f64x2.splat(MAGIC));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  let p = f64x2.splat(E13);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E12));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E11));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E10));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E9));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E8));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E7));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E6));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E4));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(E2));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(EXP_BIAS)), 52);
  return f64x2.mul(p, scale);
}

const TWO_PI: f64 = 6.283185307179586;
const INV_TWO_PI: f64 = 0.15915494309189535;
const C3: f64 = -1.0 / 6.0;
const C5: f64 = 1.0 / 120.0;
const C7: f64 = -1.0 / 5040.0;
const C9: f64 = 1.0 / 362880.0;
const C11: f64 = -1.0 / 39916800.0;
const C13: f64 = 1.0 / 6227020800.0;
const C15: f64 = -1.0 / 1307674368000.0;

/**
 * cos on two lanes, absolute error < 1e-11 for |x| < 1e5: t = x/2π reduced to [−½, ½] by rounding,
 * cos(2πt) = sin(v) with v = 2π(¼ − |t|) ∈ [−π/2, π/2], odd Taylor polynomial of degree 15.
 */
// @ts-ignore: decorator
@inline
function cos2(x: v128): v128 {
  const t = f64x2.mul(x, f64x2.splat(INV_TWO_PI));
  const n = f64x2.sub(f64x2.add(t, f64x2.splat(MAGIC)), f64x2.splat(MAGIC));
  const v = f64x2.mul(f64x2.sub(f64x2.splat(0.25), f64x2.abs(f64x2.sub(t, n))), f64x2.splat(TWO_PI));
  const v2 = f64x2.mul(v, v);
  let p = f64x2.splat(C15);
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(C13));
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(C11));
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(C9));
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(C7));
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(C5));
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(C3));
  p = f64x2.add(f64x2.mul(p, v2), f64x2.splat(1.0));
  return f64x2.mul(v, p);
}

const MAGIC32: f32 = 12582912.0; // 1.5·2^23
const TWO_PI32: f32 = 6.2831854820251465;
const INV_TWO_PI32: f32 = 0.15915493667125702;
const S3: f32 = -0.1666666716337204; // f32(−1/3!)
const S5: f32 = 0.008333333767950535; // f32(1/5!)
const S7: f32 = -0.0001984127011382952; // f32(−1/7!)
const S9: f32 = 0.0000027557319830521476; // f32(1/9!)
const S11: f32 = -2.5052108385441720e-8; // f32(−1/11!)

/**
 * cos on four float32 lanes, absolute error ~2e-7 for |x| < 1e5 (float32 rounding of the reduction
 * included): as {@link cos2} with a degree-11 polynomial; valid for |x/2π| < 2^22.
 */
// @ts-ignore: decorator
@inline
function cos4(x: v128): v128 {
  const t = f32x4.mul(x, f32x4.splat(INV_TWO_PI32));
  const n = f32x4.sub(f32x4.add(t, f32x4.splat(MAGIC32)), f32x4.splat(MAGIC32));
  const v = f32x4.mul(f32x4.sub(f32x4.splat(0.25), f32x4.abs(f32x4.sub(t, n))), f32x4.splat(TWO_PI32));
  const v2 = f32x4.mul(v, v);
  let p = f32x4.splat(S11);
  p = f32x4.add(f32x4.mul(p, v2), f32x4.splat(S9));
  p = f32x4.add(f32x4.mul(p, v2), f32x4.splat(S7));
  p = f32x4.add(f32x4.mul(p, v2), f32x4.splat(S5));
  p = f32x4.add(f32x4.mul(p, v2), f32x4.splat(S3));
  p = f32x4.add(f32x4.mul(p, v2), f32x4.splat(1.0));
  return f32x4.mul(v, p);
}

/** Matérn-5/2 correlation and log-lengthscale gradient factor from r² on two lanes. */
// @ts-ignore: decorator
@inline
function maternCorr2(r2: v128): v128 {
  const q5 = f64x2.mul(f64x2.splat(5.0), r2);
  const s = f64x2.sqrt(q5);
  const e = expNeg2(f64x2.neg(s));
  return f64x2.mul(f64x2.add(f64x2.add(f64x2.splat(1.0), s), f64x2.div(q5, f64x2.splat(3.0))), e);
}

// ---------------------------------------------------------------------------------------------------------
// Matérn-5/2 kernel values

/**
 * Cross-covariance out[i·ldo + j] = σ_f²·c(r_ij), r²_ij = Σ_k (a[i·lda + k]·invL[k] − bt[k·ldb + j])² summed in
 * order k = 0 … d−1, for i < na and j < nb, where bt is Bᵀ with row k already divided by ℓ_k.
 * Register blocks of 2 rows × 8 columns, then 2 × 2 (a last odd column is computed on both lanes and one is
 * stored: bt may be read one element past a row), then the odd last row.
 */
export function crossKernel(a: usize, lda: i32, na: i32, bt: usize, ldb: i32, nb: i32, d: i32, invL: usize, sf2: f64, out: usize, ldo: i32): void {
  const vsf2 = f64x2.splat(sf2);
  const rowB = <usize>ldb << 3;
  const sa = <usize>lda << 3;
  const so = <usize>ldo << 3;
  let i = 0;
  for (; i + 2 <= na; i += 2) {
    const a0 = a + <usize>i * sa;
    const a1 = a0 + sa;
    const o0 = out + <usize>i * so;
    const o1 = o0 + so;
    let j = 0;
    for (; j + 8 <= nb; j += 8) {
      let r0 = f64x2.splat(0), r1 = f64x2.splat(0), r2 = f64x2.splat(0), r3 = f64x2.splat(0);
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      let bk = bt + (<usize>j << 3);
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 3;
        const il = load<f64>(invL + kb);
        const u = f64x2.splat(load<f64>(a0 + kb) * il);
        const v = f64x2.splat(load<f64>(a1 + kb) * il);
        const c0 = v128.load(bk);
        const c1 = v128.load(bk, 16);
        const c2 = v128.load(bk, 32);
        const c3 = v128.load(bk, 48);
        let t = f64x2.sub(u, c0);
        r0 = f64x2.add(r0, f64x2.mul(t, t));
        t = f64x2.sub(u, c1);
        r1 = f64x2.add(r1, f64x2.mul(t, t));
        t = f64x2.sub(u, c2);
        r2 = f64x2.add(r2, f64x2.mul(t, t));
        t = f64x2.sub(u, c3);
        r3 = f64x2.add(r3, f64x2.mul(t, t));
        t = f64x2.sub(v, c0);
        s0 = f64x2.add(s0, f64x2.mul(t, t));
        t = f64x2.sub(v, c1);
        s1 = f64x2.add(s1, f64x2.mul(t, t));
        t = f64x2.sub(v, c2);
        s2 = f64x2.add(s2, f64x2.mul(t, t));
        t = f64x2.sub(v, c3);
        s3 = f64x2.add(s3, f64x2.mul(t, t));
        bk += rowB;
      }
      const jb = <usize>j << 3;
      v128.store(o0 + jb, f64x2.mul(vsf2, maternCorr2(r0)));
      v128.store(o0 + jb, f64x2.mul(vsf2, maternCorr2(r1)), 16);
      v128.store(o0 + jb, f64x2.mul(vsf2, maternCorr2(r2)), 32);
      v128.store(o0 + jb, f64x2.mul(vsf2, maternCorr2(r3)), 48);
      v128.store(o1 + jb, f64x2.mul(vsf2, maternCorr2(s0)));
      v128.store(o1 + jb, f64x2.mul(vsf2, maternCorr2(s1)), 16);
      v128.store(o1 + jb, f64x2.mul(vsf2, maternCorr2(s2)), 32);
      v128.store(o1 + jb, f64x2.mul(vsf2, maternCorr2(s3)), 48);
    }
    for (; j < nb; j += 2) {
      let r0 = f64x2.splat(0);
      let s0 = f64x2.splat(0);
      let bk = bt + (<usize>j << 3);
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 3;
        const il = load<f64>(invL + kb);
        const c0 = v128.load(bk);
        let t = f64x2.sub(f64x2.splat(load<f64>(a0 + kb) * il), c0);
        r0 = f64x2.add(r0, f64x2.mul(t, t));
        t = f64x2.sub(f64x2.splat(load<f64>(a1 + kb) * il), c0);
        s0 = f64x2.add(s0, f64x2.mul(t, t));
        bk += rowB;
      }
      const jb = <usize>j << 3;
      const c = f64x2.mul(vsf2, maternCorr2(r0));
      const e = f64x2.mul(vsf2, maternCorr2(s0));
      store<f64>(o0 + jb, f64x2.extract_lane(c, 0));
      store<f64>(o1 + jb, f64x2.extract_lane(e, 0));
      if (j + 1 < nb) {
        store<f64>(o0 + jb, f64x2.extract_lane(c, 1), 8);
        store<f64>(o1 + jb, f64x2.extract_lane(e, 1), 8);
      }
    }
  }
  if (i < na) {
    const a0 = a + <usize>i * sa;
    const o0 = out + <usize>i * so;
    for (let j = 0; j < nb; j += 2) {
      let r0 = f64x2.splat(0);
      let bk = bt + (<usize>j << 3);
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 3;
        const t = f64x2.sub(f64x2.splat(load<f64>(a0 + kb) * load<f64>(invL + kb)), v128.load(bk));
        r0 = f64x2.add(r0, f64x2.mul(t, t));
        bk += rowB;
      }
      const c = f64x2.mul(vsf2, maternCorr2(r0));
      const jb = <usize>j << 3;
      store<f64>(o0 + jb, f64x2.extract_lane(c, 0));
      if (j + 1 < nb) store<f64>(o0 + jb, f64x2.extract_lane(c, 1), 8);
    }
  }
}

/**
 * Training-pair terms of the likelihood. xs is d×n (row k: coordinate k of every point divided by ℓ_k, leading
 * dimension ldx ≥ n). For every i and j < i (sum over k in order):
 *   r² = Σ_k (xs[k][i] − xs[k][j])²,  s = √(5r²),  e = exp(−s),
 *   corr[i][j] = (1 + s + 5r²/3)·e,  gf[i][j] = (5/3)(1 + s)·e,  chol[i][j] = σ_f²·corr[i][j],
 * and on the diagonal chol[i][i] = diag, corr[i][i] = 1, gf[i][i] = 5/3 (their values at r = 0).
 * corr, gf and chol are n×n row-major (lower triangles written).
 */
export function maternPairs(xs: usize, ldx: i32, n: i32, d: i32, sf2: f64, diag: f64, corr: usize, gf: usize, chol: usize): void {
  const vsf2 = f64x2.splat(sf2);
  const rowX = <usize>ldx << 3;
  const c53 = f64x2.splat(5.0 / 3.0);
  const one = f64x2.splat(1.0);
  for (let i = 0; i < n; i++) {
    const ri = (<usize>i * <usize>n) << 3;
    const xi = xs + (<usize>i << 3);
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      let r0 = f64x2.splat(0);
      let r1 = f64x2.splat(0);
      let xk = xs + (<usize>j << 3);
      let xik = xi;
      for (let k = 0; k < d; k++) {
        const v = v128.load64_splat(xik);
        const t0 = f64x2.sub(v, v128.load(xk));
        const t1 = f64x2.sub(v, v128.load(xk, 16));
        r0 = f64x2.add(r0, f64x2.mul(t0, t0));
        r1 = f64x2.add(r1, f64x2.mul(t1, t1));
        xk += rowX;
        xik += rowX;
      }
      const o = ri + (<usize>j << 3);
      // r0
      let q5 = f64x2.mul(f64x2.splat(5.0), r0);
      let s = f64x2.sqrt(q5);
      let e = expNeg2(f64x2.neg(s));
      let c = f64x2.mul(f64x2.add(f64x2.add(one, s), f64x2.div(q5, f64x2.splat(3.0))), e);
      v128.store(corr + o, c);
      v128.store(chol + o, f64x2.mul(vsf2, c));
      v128.store(gf + o, f64x2.mul(f64x2.mul(c53, f64x2.add(one, s)), e));
      // r1
      q5 = f64x2.mul(f64x2.splat(5.0), r1);
      s = f64x2.sqrt(q5);
      e = expNeg2(f64x2.neg(s));
      c = f64x2.mul(f64x2.add(f64x2.add(one, s), f64x2.div(q5, f64x2.splat(3.0))), e);
      v128.store(corr + o, c, 16);
      v128.store(chol + o, f64x2.mul(vsf2, c), 16);
      v128.store(gf + o, f64x2.mul(f64x2.mul(c53, f64x2.add(one, s)), e), 16);
    }
    for (; j < i; j += 2) {
      // Lane 1 may be the diagonal (j + 1 = i): computed, then overwritten below.
      let r = f64x2.splat(0);
      let xk = xs + (<usize>j << 3);
      let xik = xi;
      for (let k = 0; k < d; k++) {
        const v = v128.load64_splat(xik);
        const t = f64x2.sub(v, v128.load(xk));
        r = f64x2.add(r, f64x2.mul(t, t));
        xk += rowX;
        xik += rowX;
      }
      const q5 = f64x2.mul(f64x2.splat(5.0), r);
      const s = f64x2.sqrt(q5);
      const e = expNeg2(f64x2.neg(s));
      const c = f64x2.mul(f64x2.add(f64x2.add(one, s), f64x2.div(q5, f64x2.splat(3.0))), e);
      const o = ri + (<usize>j << 3);
      v128.store(corr + o, c);
      v128.store(chol + o, f64x2.mul(vsf2, c));
      v128.store(gf + o, f64x2.mul(f64x2.mul(c53, f64x2.add(one, s)), e));
    }
    const dg = ri + (<usize>i << 3);
    store<f64>(chol + dg, diag);
    store<f64>(corr + dg, 1.0);
    store<f64>(gf + dg, 5.0 / 3.0);
  }
}

/**
 * Likelihood gradient sums from K⁻¹ (kinv, n×n full), α, the pair terms and xs (as in {@link maternPairs}):
 *   w_ij = α_i α_j − K⁻¹_ij,  pw[i][j] = w_ij·gf_ij (scratch, n×n),
 *   out[k] = Σ_{i>j} pw_ij·(xs[k][i] − xs[k][j])²  (k < d),
 *   out[d] = Σ_{i>j} w_ij·corr_ij,  out[d+1] = Σ_i (α_i² − K⁻¹_ii),  out[d+2] = Σ_i α_i.
 * Sums over pairs run row by row (i ascending) on two lanes: lane 0 takes even j, lane 1 odd j; the result is
 * lane 0 + lane 1. The diagonal sums are sequential in i.
 */
export function likelihoodGradient(
  xs: usize, ldx: i32, n: i32, d: i32, kinv: usize, alpha: usize, corr: usize, gf: usize, pw: usize, out: usize,
): void {
  const rowX = <usize>ldx << 3;
  let ps = f64x2.splat(0);
  let traceW: f64 = 0;
  let sumAlpha: f64 = 0;
  for (let i = 0; i < n; i++) {
    const ri = (<usize>i * <usize>n) << 3;
    const ai = load<f64>(alpha + (<usize>i << 3));
    const va = f64x2.splat(ai);
    let j = 0;
    for (; j + 2 <= i; j += 2) {
      const o = ri + (<usize>j << 3);
      const w = f64x2.sub(f64x2.mul(va, v128.load(alpha + (<usize>j << 3))), v128.load(kinv + o));
      ps = f64x2.add(ps, f64x2.mul(w, v128.load(corr + o)));
      v128.store(pw + o, f64x2.mul(w, v128.load(gf + o)));
    }
    if (j < i) {
      const o = ri + (<usize>j << 3);
      const w = ai * load<f64>(alpha + (<usize>j << 3)) - load<f64>(kinv + o);
      ps = f64x2.replace_lane(ps, 0, f64x2.extract_lane(ps, 0) + w * load<f64>(corr + o));
      store<f64>(pw + o, w * load<f64>(gf + o));
    }
    traceW += ai * ai - load<f64>(kinv + ri + (<usize>i << 3));
    sumAlpha += ai;
  }
  store<f64>(out + (<usize>d << 3), f64x2.extract_lane(ps, 0) + f64x2.extract_lane(ps, 1));
  store<f64>(out + (<usize>(d + 1) << 3), traceW);
  store<f64>(out + (<usize>(d + 2) << 3), sumAlpha);

  // Lengthscale sums, four dimensions per pass over the pair weights.
  let k = 0;
  for (; k + 4 <= d; k += 4) {
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let s2 = f64x2.splat(0);
    let s3 = f64x2.splat(0);
    const x0 = xs + <usize>k * rowX;
    const x1 = x0 + rowX;
    const x2 = x1 + rowX;
    const x3 = x2 + rowX;
    for (let i = 1; i < n; i++) {
      const ri = pw + ((<usize>i * <usize>n) << 3);
      const ib = <usize>i << 3;
      const v0 = v128.load64_splat(x0 + ib);
      const v1 = v128.load64_splat(x1 + ib);
      const v2 = v128.load64_splat(x2 + ib);
      const v3 = v128.load64_splat(x3 + ib);
      let j = 0;
      for (; j + 2 <= i; j += 2) {
        const jb = <usize>j << 3;
        const p = v128.load(ri + jb);
        const t0 = f64x2.sub(v0, v128.load(x0 + jb));
        const t1 = f64x2.sub(v1, v128.load(x1 + jb));
        const t2 = f64x2.sub(v2, v128.load(x2 + jb));
        const t3 = f64x2.sub(v3, v128.load(x3 + jb));
        s0 = f64x2.add(s0, f64x2.mul(p, f64x2.mul(t0, t0)));
        s1 = f64x2.add(s1, f64x2.mul(p, f64x2.mul(t1, t1)));
        s2 = f64x2.add(s2, f64x2.mul(p, f64x2.mul(t2, t2)));
        s3 = f64x2.add(s3, f64x2.mul(p, f64x2.mul(t3, t3)));
      }
      if (j < i) {
        const jb = <usize>j << 3;
        const p = load<f64>(ri + jb);
        const t0 = f64x2.extract_lane(v0, 0) - load<f64>(x0 + jb);
        const t1 = f64x2.extract_lane(v1, 0) - load<f64>(x1 + jb);
        const t2 = f64x2.extract_lane(v2, 0) - load<f64>(x2 + jb);
        const t3 = f64x2.extract_lane(v3, 0) - load<f64>(x3 + jb);
        s0 = f64x2.replace_lane(s0, 0, f64x2.extract_lane(s0, 0) + p * (t0 * t0));
        s1 = f64x2.replace_lane(s1, 0, f64x2.extract_lane(s1, 0) + p * (t1 * t1));
        s2 = f64x2.replace_lane(s2, 0, f64x2.extract_lane(s2, 0) + p * (t2 * t2));
        s3 = f64x2.replace_lane(s3, 0, f64x2.extract_lane(s3, 0) + p * (t3 * t3));
      }
    }
    const ok = out + (<usize>k << 3);
    store<f64>(ok, f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1));
    store<f64>(ok, f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1), 8);
    store<f64>(ok, f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1), 16);
    store<f64>(ok, f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1), 24);
  }
  for (; k < d; k++) {
    let s0 = f64x2.splat(0);
    const x0 = xs + <usize>k * rowX;
    for (let i = 1; i < n; i++) {
      const ri = pw + ((<usize>i * <usize>n) << 3);
      const ib = <usize>i << 3;
      const v0 = v128.load64_splat(x0 + ib);
      let j = 0;
      for (; j + 2 <= i; j += 2) {
        const jb = <usize>j << 3;
        const t0 = f64x2.sub(v0, v128.load(x0 + jb));
        s0 = f64x2.add(s0, f64x2.mul(v128.load(ri + jb), f64x2.mul(t0, t0)));
      }
      if (j < i) {
        const jb = <usize>j << 3;
        const t0 = f64x2.extract_lane(v0, 0) - load<f64>(x0 + jb);
        s0 = f64x2.replace_lane(s0, 0, f64x2.extract_lane(s0, 0) + load<f64>(ri + jb) * (t0 * t0));
      }
    }
    store<f64>(out + (<usize>k << 3), f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dense factorisations (n×n row-major, leading dimension n)

/**
 * Row-oriented Cholesky of the lower triangle in place, rows two at a time against rows two at a time
 * (2×2 blocks of two-lane dot products). The strict upper triangle is neither read nor written.
 * Returns -1 on success, else the index of the first non-positive pivot.
 */
export function cholesky(a: usize, n: i32): i32 {
  const rowBytes = <usize>n << 3;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r0 = a + <usize>i * rowBytes;
    const r1 = r0 + rowBytes;
    let j = 0;
    // i and j are even here, so every dot product has an even length. Entry (r, j + t) of a block subtracts
    // the two-lane dot product over k < j, then the block's own terms k = j … j + t − 1 in order.
    for (; j + 3 < i; j += 4) {
      const c0 = a + <usize>j * rowBytes;
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
      let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
      const end = <usize>j << 3;
      for (let o: usize = 0; o < end; o += 16) {
        const x0 = v128.load(r0 + o);
        const x1 = v128.load(r1 + o);
        const y0 = v128.load(c0 + o);
        const y1 = v128.load(c1 + o);
        const y2 = v128.load(c2 + o);
        const y3 = v128.load(c3 + o);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        s02 = f64x2.add(s02, f64x2.mul(x0, y2));
        s03 = f64x2.add(s03, f64x2.mul(x0, y3));
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
        s12 = f64x2.add(s12, f64x2.mul(x1, y2));
        s13 = f64x2.add(s13, f64x2.mul(x1, y3));
      }
      const jb = <usize>j << 3;
      const l10 = load<f64>(c1 + jb);
      const l20 = load<f64>(c2 + jb);
      const l21 = load<f64>(c2 + jb, 8);
      const l30 = load<f64>(c3 + jb);
      const l31 = load<f64>(c3 + jb, 8);
      const l32 = load<f64>(c3 + jb, 16);
      const d0 = load<f64>(c0 + jb);
      const d1 = load<f64>(c1 + jb, 8);
      const d2 = load<f64>(c2 + jb, 16);
      const d3 = load<f64>(c3 + jb, 24);
      const x00 = (load<f64>(r0 + jb) - hsum(s00)) / d0;
      const x10 = (load<f64>(r1 + jb) - hsum(s10)) / d0;
      const x01 = (load<f64>(r0 + jb, 8) - hsum(s01) - x00 * l10) / d1;
      const x11 = (load<f64>(r1 + jb, 8) - hsum(s11) - x10 * l10) / d1;
      const x02 = (load<f64>(r0 + jb, 16) - hsum(s02) - x00 * l20 - x01 * l21) / d2;
      const x12 = (load<f64>(r1 + jb, 16) - hsum(s12) - x10 * l20 - x11 * l21) / d2;
      const x03 = (load<f64>(r0 + jb, 24) - hsum(s03) - x00 * l30 - x01 * l31 - x02 * l32) / d3;
      const x13 = (load<f64>(r1 + jb, 24) - hsum(s13) - x10 * l30 - x11 * l31 - x12 * l32) / d3;
      store<f64>(r0 + jb, x00);
      store<f64>(r0 + jb, x01, 8);
      store<f64>(r0 + jb, x02, 16);
      store<f64>(r0 + jb, x03, 24);
      store<f64>(r1 + jb, x10);
      store<f64>(r1 + jb, x11, 8);
      store<f64>(r1 + jb, x12, 16);
      store<f64>(r1 + jb, x13, 24);
    }
    for (; j + 1 < i; j += 2) {
      const c0 = a + <usize>j * rowBytes;
      const c1 = c0 + rowBytes;
      let s00 = f64x2.splat(0);
      let s01 = f64x2.splat(0);
      let s10 = f64x2.splat(0);
      let s11 = f64x2.splat(0);
      const end = <usize>j << 3;
      for (let o: usize = 0; o < end; o += 16) {
        const x0 = v128.load(r0 + o);
        const x1 = v128.load(r1 + o);
        const y0 = v128.load(c0 + o);
        const y1 = v128.load(c1 + o);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
      }
      const jb = <usize>j << 3;
      const djj = load<f64>(c0 + jb);
      const l = load<f64>(c1 + jb);
      const d11 = load<f64>(c1 + jb, 8);
      const x0 = (load<f64>(r0 + jb) - (f64x2.extract_lane(s00, 0) + f64x2.extract_lane(s00, 1))) / djj;
      const x1 = (load<f64>(r1 + jb) - (f64x2.extract_lane(s10, 0) + f64x2.extract_lane(s10, 1))) / djj;
      store<f64>(r0 + jb, x0);
      store<f64>(r1 + jb, x1);
      store<f64>(r0 + jb, (load<f64>(r0 + jb, 8) - (f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1)) - x0 * l) / d11, 8);
      store<f64>(r1 + jb, (load<f64>(r1 + jb, 8) - (f64x2.extract_lane(s11, 0) + f64x2.extract_lane(s11, 1)) - x1 * l) / d11, 8);
    }
    // Diagonal block.
    let t0 = f64x2.splat(0);
    let t1 = f64x2.splat(0);
    let t2 = f64x2.splat(0);
    const end = <usize>i << 3;
    for (let o: usize = 0; o < end; o += 16) {
      const x0 = v128.load(r0 + o);
      const x1 = v128.load(r1 + o);
      t0 = f64x2.add(t0, f64x2.mul(x0, x0));
      t1 = f64x2.add(t1, f64x2.mul(x1, x0));
      t2 = f64x2.add(t2, f64x2.mul(x1, x1));
    }
    const ib = <usize>i << 3;
    const p0 = load<f64>(r0 + ib) - (f64x2.extract_lane(t0, 0) + f64x2.extract_lane(t0, 1));
    if (!(p0 > 0)) return i;
    const dii = Math.sqrt(p0);
    store<f64>(r0 + ib, dii);
    const l10 = (load<f64>(r1 + ib) - (f64x2.extract_lane(t1, 0) + f64x2.extract_lane(t1, 1))) / dii;
    store<f64>(r1 + ib, l10);
    const p1 = load<f64>(r1 + ib, 8) - (f64x2.extract_lane(t2, 0) + f64x2.extract_lane(t2, 1)) - l10 * l10;
    if (!(p1 > 0)) return i + 1;
    store<f64>(r1 + ib, Math.sqrt(p1), 8);
  }
  if (i < n) {
    // Odd order: the last row alone (odd lengths end with one term in lane 0).
    const r0 = a + <usize>i * rowBytes;
    for (let j = 0; j <= i; j++) {
      const c0 = a + <usize>j * rowBytes;
      const s = dot2(r0, c0, j);
      const v = load<f64>(r0 + (<usize>j << 3)) - s;
      if (j < i) {
        store<f64>(r0 + (<usize>j << 3), v / load<f64>(c0 + (<usize>j << 3)));
      } else {
        if (!(v > 0)) return i;
        store<f64>(r0 + (<usize>i << 3), Math.sqrt(v));
      }
    }
  }
  return -1;
}

/** Lane 0 + lane 1. */
// @ts-ignore: decorator
@inline
function hsum(s: v128): f64 {
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Two-lane dot product of len contiguous f64 at x and y (lane convention in the module doc). */
// @ts-ignore: decorator
@inline
function dot2(x: usize, y: usize, len: i32): f64 {
  let s = f64x2.splat(0);
  const end = (<usize>(len & ~1)) << 3;
  for (let o: usize = 0; o < end; o += 16) s = f64x2.add(s, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  let l0 = f64x2.extract_lane(s, 0);
  if (len & 1) l0 += load<f64>(x + end) * load<f64>(y + end);
  return l0 + f64x2.extract_lane(s, 1);
}

/** Solves L x = b in place (forward substitution, two-lane dot products of the rows of L with x). */
export function solveLower(l: usize, n: i32, b: usize): void {
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < n; i++) {
    const ri = l + <usize>i * rowBytes;
    const ib = <usize>i << 3;
    store<f64>(b + ib, (load<f64>(b + ib) - dot2(ri, b, i)) / load<f64>(ri + ib));
  }
}

/**
 * Solves Lᵀ x = b in place (back substitution with the rows of L: x_i = b_i / L_ii, then b_k −= L_ik·x_i for
 * k < i, so each b_k receives its updates in order i = n−1 … k+1).
 */
export function solveLowerTransposed(l: usize, n: i32, b: usize): void {
  const rowBytes = <usize>n << 3;
  for (let i = n - 1; i >= 0; i--) {
    const ri = l + <usize>i * rowBytes;
    const ib = <usize>i << 3;
    const x = load<f64>(b + ib) / load<f64>(ri + ib);
    store<f64>(b + ib, x);
    const vx = f64x2.splat(x);
    const end = (<usize>(i & ~1)) << 3;
    for (let o: usize = 0; o < end; o += 16) v128.store(b + o, f64x2.sub(v128.load(b + o), f64x2.mul(v128.load(ri + o), vx)));
    if (i & 1) store<f64>(b + end, load<f64>(b + end) - load<f64>(ri + end) * x);
  }
}

/**
 * U = L⁻ᵀ (upper triangular, strict lower triangle zeroed) from the lower triangle of l; u must not alias l.
 * Row c of U solves Σ_k L[i][k]·U[c][k] = δ_ic (i ≥ c); rows two at a time against rows of L two at a time.
 */
export function invertLowerTransposed(l: usize, n: i32, u: usize): void {
  memory.fill(u, 0, (<usize>n * <usize>n) << 3);
  const rowBytes = <usize>n << 3;
  let c = 0;
  for (; c + 1 < n; c += 2) {
    const u0 = u + <usize>c * rowBytes;
    const u1 = u0 + rowBytes;
    const lc0 = l + <usize>c * rowBytes;
    const lc1 = lc0 + rowBytes;
    const cb = <usize>c << 3;
    const ucc = 1 / load<f64>(lc0 + cb);
    const ud1 = 1 / load<f64>(lc1 + cb, 8);
    store<f64>(u0 + cb, ucc);
    store<f64>(u1 + cb, ud1, 8);
    store<f64>(u0 + cb, -(load<f64>(lc1 + cb) * ucc) / load<f64>(lc1 + cb, 8), 8);
    let i = c + 2;
    // Blocks of four rows of L, then two: entry r of a block adds, after the two-lane dot product over
    // k = c … i − 1, the block's own terms k = i … r − 1 in order.
    for (; i + 3 < n; i += 4) {
      const l0 = l + <usize>i * rowBytes;
      const l1 = l0 + rowBytes;
      const l2 = l1 + rowBytes;
      const l3 = l2 + rowBytes;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
      let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
      const end = <usize>i << 3;
      for (let o: usize = cb; o < end; o += 16) {
        const v0 = v128.load(u0 + o);
        const v1 = v128.load(u1 + o);
        const a0 = v128.load(l0 + o);
        const a1 = v128.load(l1 + o);
        const a2 = v128.load(l2 + o);
        const a3 = v128.load(l3 + o);
        s00 = f64x2.add(s00, f64x2.mul(a0, v0));
        s01 = f64x2.add(s01, f64x2.mul(a0, v1));
        s10 = f64x2.add(s10, f64x2.mul(a1, v0));
        s11 = f64x2.add(s11, f64x2.mul(a1, v1));
        s20 = f64x2.add(s20, f64x2.mul(a2, v0));
        s21 = f64x2.add(s21, f64x2.mul(a2, v1));
        s30 = f64x2.add(s30, f64x2.mul(a3, v0));
        s31 = f64x2.add(s31, f64x2.mul(a3, v1));
      }
      const ib = <usize>i << 3;
      const m10 = load<f64>(l1 + ib);
      const m20 = load<f64>(l2 + ib);
      const m21 = load<f64>(l2 + ib, 8);
      const m30 = load<f64>(l3 + ib);
      const m31 = load<f64>(l3 + ib, 8);
      const m32 = load<f64>(l3 + ib, 16);
      const d0 = load<f64>(l0 + ib);
      const d1 = load<f64>(l1 + ib, 8);
      const d2 = load<f64>(l2 + ib, 16);
      const d3 = load<f64>(l3 + ib, 24);
      const x0 = -hsum(s00) / d0;
      const x1 = -hsum(s01) / d0;
      const y0 = -(hsum(s10) + m10 * x0) / d1;
      const y1 = -(hsum(s11) + m10 * x1) / d1;
      const z0 = -(hsum(s20) + m20 * x0 + m21 * y0) / d2;
      const z1 = -(hsum(s21) + m20 * x1 + m21 * y1) / d2;
      const w0 = -(hsum(s30) + m30 * x0 + m31 * y0 + m32 * z0) / d3;
      const w1 = -(hsum(s31) + m30 * x1 + m31 * y1 + m32 * z1) / d3;
      store<f64>(u0 + ib, x0);
      store<f64>(u0 + ib, y0, 8);
      store<f64>(u0 + ib, z0, 16);
      store<f64>(u0 + ib, w0, 24);
      store<f64>(u1 + ib, x1);
      store<f64>(u1 + ib, y1, 8);
      store<f64>(u1 + ib, z1, 16);
      store<f64>(u1 + ib, w1, 24);
    }
    for (; i + 1 < n; i += 2) {
      const l0 = l + <usize>i * rowBytes;
      const l1 = l0 + rowBytes;
      let s00 = f64x2.splat(0);
      let s01 = f64x2.splat(0);
      let s10 = f64x2.splat(0);
      let s11 = f64x2.splat(0);
      // U[c+1][c] is zero, so both rows start at k = c; i − c is even.
      const end = <usize>i << 3;
      for (let o: usize = cb; o < end; o += 16) {
        const a0 = v128.load(l0 + o);
        const a1 = v128.load(l1 + o);
        const v0 = v128.load(u0 + o);
        const v1 = v128.load(u1 + o);
        s00 = f64x2.add(s00, f64x2.mul(a0, v0));
        s01 = f64x2.add(s01, f64x2.mul(a0, v1));
        s10 = f64x2.add(s10, f64x2.mul(a1, v0));
        s11 = f64x2.add(s11, f64x2.mul(a1, v1));
      }
      const ib = <usize>i << 3;
      const dii = load<f64>(l0 + ib);
      const x0 = -(f64x2.extract_lane(s00, 0) + f64x2.extract_lane(s00, 1)) / dii;
      const x1 = -(f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1)) / dii;
      store<f64>(u0 + ib, x0);
      store<f64>(u1 + ib, x1);
      const li = load<f64>(l1 + ib);
      const d11 = load<f64>(l1 + ib, 8);
      store<f64>(u0 + ib, -((f64x2.extract_lane(s10, 0) + f64x2.extract_lane(s10, 1)) + li * x0) / d11, 8);
      store<f64>(u1 + ib, -((f64x2.extract_lane(s11, 0) + f64x2.extract_lane(s11, 1)) + li * x1) / d11, 8);
    }
    if (i < n) {
      const l0 = l + <usize>i * rowBytes;
      const ib = <usize>i << 3;
      const len = i - c;
      const s0 = dot2(l0 + cb, u0 + cb, len);
      const s1 = dot2(l0 + cb, u1 + cb, len);
      const dii = load<f64>(l0 + ib);
      store<f64>(u0 + ib, -s0 / dii);
      store<f64>(u1 + ib, -s1 / dii);
    }
  }
  if (c < n) store<f64>(u + <usize>c * rowBytes + (<usize>c << 3), 1 / load<f64>(l + <usize>c * rowBytes + (<usize>c << 3)));
}

/**
 * out = U·Uᵀ (full symmetric) for an upper-triangular U: out[a][b] = Σ_{k ≥ max(a,b)} U[a][k]·U[b][k], each a
 * two-lane dot product from k = a (rows a two at a time; U[a+1][a] = 0 lets both start at k = a).
 */
export function gramUpper(u: usize, n: i32, out: usize): void {
  const rowBytes = <usize>n << 3;
  let a = 0;
  for (; a + 1 < n; a += 2) {
    const ua0 = u + <usize>a * rowBytes;
    const ua1 = ua0 + rowBytes;
    const oa0 = out + <usize>a * rowBytes;
    const oa1 = oa0 + rowBytes;
    const ab = <usize>a << 3;
    const len = n - a;
    const end = ab + ((<usize>(len & ~1)) << 3);
    const odd = (len & 1) != 0;
    let b = 0;
    // 2 × 4 blocks first (six row loads feed eight products), then 2 × 2.
    for (; b + 3 < a; b += 4) {
      const ub0 = u + <usize>b * rowBytes;
      const ub1 = ub0 + rowBytes;
      const ub2 = ub1 + rowBytes;
      const ub3 = ub2 + rowBytes;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
      let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
      for (let o: usize = ab; o < end; o += 16) {
        const x0 = v128.load(ua0 + o);
        const x1 = v128.load(ua1 + o);
        const y0 = v128.load(ub0 + o);
        const y1 = v128.load(ub1 + o);
        const y2 = v128.load(ub2 + o);
        const y3 = v128.load(ub3 + o);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        s02 = f64x2.add(s02, f64x2.mul(x0, y2));
        s03 = f64x2.add(s03, f64x2.mul(x0, y3));
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
        s12 = f64x2.add(s12, f64x2.mul(x1, y2));
        s13 = f64x2.add(s13, f64x2.mul(x1, y3));
      }
      let e00 = f64x2.extract_lane(s00, 0), e01 = f64x2.extract_lane(s01, 0);
      let e02 = f64x2.extract_lane(s02, 0), e03 = f64x2.extract_lane(s03, 0);
      let e10 = f64x2.extract_lane(s10, 0), e11 = f64x2.extract_lane(s11, 0);
      let e12 = f64x2.extract_lane(s12, 0), e13 = f64x2.extract_lane(s13, 0);
      if (odd) {
        const x0 = load<f64>(ua0 + end);
        const x1 = load<f64>(ua1 + end);
        const y0 = load<f64>(ub0 + end);
        const y1 = load<f64>(ub1 + end);
        const y2 = load<f64>(ub2 + end);
        const y3 = load<f64>(ub3 + end);
        e00 += x0 * y0;
        e01 += x0 * y1;
        e02 += x0 * y2;
        e03 += x0 * y3;
        e10 += x1 * y0;
        e11 += x1 * y1;
        e12 += x1 * y2;
        e13 += x1 * y3;
      }
      const v00 = e00 + f64x2.extract_lane(s00, 1);
      const v01 = e01 + f64x2.extract_lane(s01, 1);
      const v02 = e02 + f64x2.extract_lane(s02, 1);
      const v03 = e03 + f64x2.extract_lane(s03, 1);
      const v10 = e10 + f64x2.extract_lane(s10, 1);
      const v11 = e11 + f64x2.extract_lane(s11, 1);
      const v12 = e12 + f64x2.extract_lane(s12, 1);
      const v13 = e13 + f64x2.extract_lane(s13, 1);
      const bb = <usize>b << 3;
      store<f64>(oa0 + bb, v00);
      store<f64>(oa0 + bb, v01, 8);
      store<f64>(oa0 + bb, v02, 16);
      store<f64>(oa0 + bb, v03, 24);
      store<f64>(oa1 + bb, v10);
      store<f64>(oa1 + bb, v11, 8);
      store<f64>(oa1 + bb, v12, 16);
      store<f64>(oa1 + bb, v13, 24);
      const ob0 = out + <usize>b * rowBytes;
      const ob1 = ob0 + rowBytes;
      const ob2 = ob1 + rowBytes;
      const ob3 = ob2 + rowBytes;
      store<f64>(ob0 + ab, v00);
      store<f64>(ob0 + ab, v10, 8);
      store<f64>(ob1 + ab, v01);
      store<f64>(ob1 + ab, v11, 8);
      store<f64>(ob2 + ab, v02);
      store<f64>(ob2 + ab, v12, 8);
      store<f64>(ob3 + ab, v03);
      store<f64>(ob3 + ab, v13, 8);
    }
    for (; b + 1 < a; b += 2) {
      const ub0 = u + <usize>b * rowBytes;
      const ub1 = ub0 + rowBytes;
      let s00 = f64x2.splat(0);
      let s01 = f64x2.splat(0);
      let s10 = f64x2.splat(0);
      let s11 = f64x2.splat(0);
      for (let o: usize = ab; o < end; o += 16) {
        const x0 = v128.load(ua0 + o);
        const x1 = v128.load(ua1 + o);
        const y0 = v128.load(ub0 + o);
        const y1 = v128.load(ub1 + o);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
      }
      let e00 = f64x2.extract_lane(s00, 0);
      let e01 = f64x2.extract_lane(s01, 0);
      let e10 = f64x2.extract_lane(s10, 0);
      let e11 = f64x2.extract_lane(s11, 0);
      if (odd) {
        const x0 = load<f64>(ua0 + end);
        const x1 = load<f64>(ua1 + end);
        const y0 = load<f64>(ub0 + end);
        const y1 = load<f64>(ub1 + end);
        e00 += x0 * y0;
        e01 += x0 * y1;
        e10 += x1 * y0;
        e11 += x1 * y1;
      }
      const v00 = e00 + f64x2.extract_lane(s00, 1);
      const v01 = e01 + f64x2.extract_lane(s01, 1);
      const v10 = e10 + f64x2.extract_lane(s10, 1);
      const v11 = e11 + f64x2.extract_lane(s11, 1);
      const bb = <usize>b << 3;
      store<f64>(oa0 + bb, v00);
      store<f64>(oa0 + bb, v01, 8);
      store<f64>(oa1 + bb, v10);
      store<f64>(oa1 + bb, v11, 8);
      const ob0 = out + <usize>b * rowBytes;
      const ob1 = ob0 + rowBytes;
      store<f64>(ob0 + ab, v00);
      store<f64>(ob1 + ab, v01);
      store<f64>(ob0 + ab, v10, 8);
      store<f64>(ob1 + ab, v11, 8);
    }
    // Diagonal 2×2 block.
    let t0 = f64x2.splat(0);
    let t1 = f64x2.splat(0);
    let t2 = f64x2.splat(0);
    for (let o: usize = ab; o < end; o += 16) {
      const x0 = v128.load(ua0 + o);
      const x1 = v128.load(ua1 + o);
      t0 = f64x2.add(t0, f64x2.mul(x0, x0));
      t1 = f64x2.add(t1, f64x2.mul(x1, x0));
      t2 = f64x2.add(t2, f64x2.mul(x1, x1));
    }
    let e0 = f64x2.extract_lane(t0, 0);
    let e1 = f64x2.extract_lane(t1, 0);
    let e2 = f64x2.extract_lane(t2, 0);
    if (odd) {
      const x0 = load<f64>(ua0 + end);
      const x1 = load<f64>(ua1 + end);
      e0 += x0 * x0;
      e1 += x1 * x0;
      e2 += x1 * x1;
    }
    const v0 = e0 + f64x2.extract_lane(t0, 1);
    const v1 = e1 + f64x2.extract_lane(t1, 1);
    const v2 = e2 + f64x2.extract_lane(t2, 1);
    store<f64>(oa0 + ab, v0);
    store<f64>(oa1 + ab, v1);
    store<f64>(oa0 + ab, v1, 8);
    store<f64>(oa1 + ab, v2, 8);
  }
  if (a < n) {
    // Odd order: last row, where only k = a contributes.
    const ua = u + <usize>a * rowBytes;
    const ab = <usize>a << 3;
    const v = load<f64>(ua + ab);
    for (let b = 0; b <= a; b++) {
      const s = v * load<f64>(u + <usize>b * rowBytes + ab);
      store<f64>(out + <usize>a * rowBytes + (<usize>b << 3), s);
      store<f64>(out + <usize>b * rowBytes + ab, s);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Products and random Fourier features

/**
 * C (+)= A·B with A m×k (leading dimension lda), B k×p (ldb), C m×p (ldc), float64; p must be even.
 * Each output sums over k in order, starting from C (accumulate ≠ 0) or from 0.
 * Register blocks: 2 rows × 8 columns, then 2 × 2, then the odd last row.
 */
export function gemm64(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, k: i32, p: i32, accumulate: i32): void {
  const sa = <usize>lda << 3;
  const sb = <usize>ldb << 3;
  const sc = <usize>ldc << 3;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = a + <usize>i * sa;
    const a1 = a0 + sa;
    const c0 = c + <usize>i * sc;
    const c1 = c0 + sc;
    let j = 0;
    for (; j + 8 <= p; j += 8) {
      const jb = <usize>j << 3;
      let x00 = f64x2.splat(0), x01 = f64x2.splat(0), x02 = f64x2.splat(0), x03 = f64x2.splat(0);
      let x10 = f64x2.splat(0), x11 = f64x2.splat(0), x12 = f64x2.splat(0), x13 = f64x2.splat(0);
      if (accumulate) {
        x00 = v128.load(c0 + jb); x01 = v128.load(c0 + jb, 16); x02 = v128.load(c0 + jb, 32); x03 = v128.load(c0 + jb, 48);
        x10 = v128.load(c1 + jb); x11 = v128.load(c1 + jb, 16); x12 = v128.load(c1 + jb, 32); x13 = v128.load(c1 + jb, 48);
      }
      let bp = b + jb;
      for (let q = 0; q < k; q++) {
        const qb = <usize>q << 3;
        const u0 = v128.load64_splat(a0 + qb);
        const u1 = v128.load64_splat(a1 + qb);
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const b2 = v128.load(bp, 32);
        const b3 = v128.load(bp, 48);
        x00 = f64x2.add(x00, f64x2.mul(u0, b0));
        x01 = f64x2.add(x01, f64x2.mul(u0, b1));
        x02 = f64x2.add(x02, f64x2.mul(u0, b2));
        x03 = f64x2.add(x03, f64x2.mul(u0, b3));
        x10 = f64x2.add(x10, f64x2.mul(u1, b0));
        x11 = f64x2.add(x11, f64x2.mul(u1, b1));
        x12 = f64x2.add(x12, f64x2.mul(u1, b2));
        x13 = f64x2.add(x13, f64x2.mul(u1, b3));
        bp += sb;
      }
      v128.store(c0 + jb, x00); v128.store(c0 + jb, x01, 16); v128.store(c0 + jb, x02, 32); v128.store(c0 + jb, x03, 48);
      v128.store(c1 + jb, x10); v128.store(c1 + jb, x11, 16); v128.store(c1 + jb, x12, 32); v128.store(c1 + jb, x13, 48);
    }
    for (; j < p; j += 2) {
      const jb = <usize>j << 3;
      let x0 = accumulate ? v128.load(c0 + jb) : f64x2.splat(0);
      let x1 = accumulate ? v128.load(c1 + jb) : f64x2.splat(0);
      let bp = b + jb;
      for (let q = 0; q < k; q++) {
        const qb = <usize>q << 3;
        const bv = v128.load(bp);
        x0 = f64x2.add(x0, f64x2.mul(v128.load64_splat(a0 + qb), bv));
        x1 = f64x2.add(x1, f64x2.mul(v128.load64_splat(a1 + qb), bv));
        bp += sb;
      }
      v128.store(c0 + jb, x0);
      v128.store(c1 + jb, x1);
    }
  }
  if (i < m) {
    const a0 = a + <usize>i * sa;
    const c0 = c + <usize>i * sc;
    for (let j = 0; j < p; j += 2) {
      const jb = <usize>j << 3;
      let x0 = accumulate ? v128.load(c0 + jb) : f64x2.splat(0);
      let bp = b + jb;
      for (let q = 0; q < k; q++) {
        x0 = f64x2.add(x0, f64x2.mul(v128.load64_splat(a0 + (<usize>q << 3)), v128.load(bp)));
        bp += sb;
      }
      v128.store(c0 + jb, x0);
    }
  }
}

/**
 * C = A·B in float32 with A m×k (lda), B k×p (ldb) float32 and the float32 sums (in order over k, from 0)
 * widened into C (float64, ldc); p must be a multiple of 4. Register blocks: 2 rows × 16 columns, then 2 × 4,
 * then the odd last row.
 */
export function gemm32(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, k: i32, p: i32): void {
  const sa = <usize>lda << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 3;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = a + <usize>i * sa;
    const a1 = a0 + sa;
    const c0 = c + <usize>i * sc;
    const c1 = c0 + sc;
    let j = 0;
    for (; j + 16 <= p; j += 16) {
      let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x02 = f32x4.splat(0), x03 = f32x4.splat(0);
      let x10 = f32x4.splat(0), x11 = f32x4.splat(0), x12 = f32x4.splat(0), x13 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let q = 0; q < k; q++) {
        const qb = <usize>q << 2;
        const u0 = v128.load32_splat(a0 + qb);
        const u1 = v128.load32_splat(a1 + qb);
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const b2 = v128.load(bp, 32);
        const b3 = v128.load(bp, 48);
        x00 = f32x4.add(x00, f32x4.mul(u0, b0));
        x01 = f32x4.add(x01, f32x4.mul(u0, b1));
        x02 = f32x4.add(x02, f32x4.mul(u0, b2));
        x03 = f32x4.add(x03, f32x4.mul(u0, b3));
        x10 = f32x4.add(x10, f32x4.mul(u1, b0));
        x11 = f32x4.add(x11, f32x4.mul(u1, b1));
        x12 = f32x4.add(x12, f32x4.mul(u1, b2));
        x13 = f32x4.add(x13, f32x4.mul(u1, b3));
        bp += sb;
      }
      const o0 = c0 + (<usize>j << 3);
      const o1 = c1 + (<usize>j << 3);
      widen4(o0, x00); widen4(o0 + 32, x01); widen4(o0 + 64, x02); widen4(o0 + 96, x03);
      widen4(o1, x10); widen4(o1 + 32, x11); widen4(o1 + 64, x12); widen4(o1 + 96, x13);
    }
    for (; j < p; j += 4) {
      let x0 = f32x4.splat(0);
      let x1 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let q = 0; q < k; q++) {
        const qb = <usize>q << 2;
        const bv = v128.load(bp);
        x0 = f32x4.add(x0, f32x4.mul(v128.load32_splat(a0 + qb), bv));
        x1 = f32x4.add(x1, f32x4.mul(v128.load32_splat(a1 + qb), bv));
        bp += sb;
      }
      widen4(c0 + (<usize>j << 3), x0);
      widen4(c1 + (<usize>j << 3), x1);
    }
  }
  if (i < m) {
    const a0 = a + <usize>i * sa;
    const c0 = c + <usize>i * sc;
    for (let j = 0; j < p; j += 4) {
      let x0 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let q = 0; q < k; q++) {
        x0 = f32x4.add(x0, f32x4.mul(v128.load32_splat(a0 + (<usize>q << 2)), v128.load(bp)));
        bp += sb;
      }
      widen4(c0 + (<usize>j << 3), x0);
    }
  }
}

/** Stores the four float32 lanes of x as float64 at p. */
// @ts-ignore: decorator
@inline
function widen4(p: usize, x: v128): void {
  v128.store(p, f64x2.promote_low_f32x4(x));
  v128.store(p, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), 16);
}

/**
 * Fourier features without amplitude, float64: out[i][f] = cos(phase[f] + Σ_k x[i][k]·omega[k][f]) (sum in
 * order k = 0 … d−1 starting from the phase), x m×d (ldx), omega d×F (ldw), out m×F (ldo); F must be even.
 * Register blocks of 2 points × 8 frequencies (a small matrix product with inner dimension d), then 2 × 2,
 * then the odd last point.
 */
export function features64(x: usize, ldx: i32, m: i32, d: i32, omega: usize, ldw: i32, phase: usize, F: i32, out: usize, ldo: i32): void {
  const sx = <usize>ldx << 3;
  const sw = <usize>ldw << 3;
  const so = <usize>ldo << 3;
  const fb = <usize>F << 3;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const x0 = x + <usize>i * sx;
    const x1 = x0 + sx;
    const o0 = out + <usize>i * so;
    const o1 = o0 + so;
    let f: usize = 0;
    for (; f + 64 <= fb; f += 64) {
      const p0 = v128.load(phase + f);
      const p1 = v128.load(phase + f, 16);
      const p2 = v128.load(phase + f, 32);
      const p3 = v128.load(phase + f, 48);
      let a0 = p0, a1 = p1, a2 = p2, a3 = p3;
      let b0 = p0, b1 = p1, b2 = p2, b3 = p3;
      let wp = omega + f;
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 3;
        const u = v128.load64_splat(x0 + kb);
        const v = v128.load64_splat(x1 + kb);
        const w0 = v128.load(wp);
        const w1 = v128.load(wp, 16);
        const w2 = v128.load(wp, 32);
        const w3 = v128.load(wp, 48);
        a0 = f64x2.add(a0, f64x2.mul(u, w0));
        a1 = f64x2.add(a1, f64x2.mul(u, w1));
        a2 = f64x2.add(a2, f64x2.mul(u, w2));
        a3 = f64x2.add(a3, f64x2.mul(u, w3));
        b0 = f64x2.add(b0, f64x2.mul(v, w0));
        b1 = f64x2.add(b1, f64x2.mul(v, w1));
        b2 = f64x2.add(b2, f64x2.mul(v, w2));
        b3 = f64x2.add(b3, f64x2.mul(v, w3));
        wp += sw;
      }
      v128.store(o0 + f, cos2(a0));
      v128.store(o0 + f, cos2(a1), 16);
      v128.store(o0 + f, cos2(a2), 32);
      v128.store(o0 + f, cos2(a3), 48);
      v128.store(o1 + f, cos2(b0));
      v128.store(o1 + f, cos2(b1), 16);
      v128.store(o1 + f, cos2(b2), 32);
      v128.store(o1 + f, cos2(b3), 48);
    }
    for (; f < fb; f += 16) {
      let a0 = v128.load(phase + f);
      let b0 = a0;
      let wp = omega + f;
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 3;
        const w0 = v128.load(wp);
        a0 = f64x2.add(a0, f64x2.mul(v128.load64_splat(x0 + kb), w0));
        b0 = f64x2.add(b0, f64x2.mul(v128.load64_splat(x1 + kb), w0));
        wp += sw;
      }
      v128.store(o0 + f, cos2(a0));
      v128.store(o1 + f, cos2(b0));
    }
  }
  if (i < m) {
    const x0 = x + <usize>i * sx;
    const o0 = out + <usize>i * so;
    for (let f: usize = 0; f < fb; f += 16) {
      let a0 = v128.load(phase + f);
      let wp = omega + f;
      for (let k = 0; k < d; k++) {
        a0 = f64x2.add(a0, f64x2.mul(v128.load64_splat(x0 + (<usize>k << 3)), v128.load(wp)));
        wp += sw;
      }
      v128.store(o0 + f, cos2(a0));
    }
  }
}

/**
 * As {@link features64} in float32 (x, omega, phase and out float32); F must be a multiple of 4.
 * Register blocks of 2 points × 16 frequencies, then 2 × 4, then the odd last point.
 */
export function features32(x: usize, ldx: i32, m: i32, d: i32, omega: usize, ldw: i32, phase: usize, F: i32, out: usize, ldo: i32): void {
  const sx = <usize>ldx << 2;
  const sw = <usize>ldw << 2;
  const so = <usize>ldo << 2;
  const fb = <usize>F << 2;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const x0 = x + <usize>i * sx;
    const x1 = x0 + sx;
    const o0 = out + <usize>i * so;
    const o1 = o0 + so;
    let f: usize = 0;
    for (; f + 64 <= fb; f += 64) {
      const p0 = v128.load(phase + f);
      const p1 = v128.load(phase + f, 16);
      const p2 = v128.load(phase + f, 32);
      const p3 = v128.load(phase + f, 48);
      let a0 = p0, a1 = p1, a2 = p2, a3 = p3;
      let b0 = p0, b1 = p1, b2 = p2, b3 = p3;
      let wp = omega + f;
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 2;
        const u = v128.load32_splat(x0 + kb);
        const v = v128.load32_splat(x1 + kb);
        const w0 = v128.load(wp);
        const w1 = v128.load(wp, 16);
        const w2 = v128.load(wp, 32);
        const w3 = v128.load(wp, 48);
        a0 = f32x4.add(a0, f32x4.mul(u, w0));
        a1 = f32x4.add(a1, f32x4.mul(u, w1));
        a2 = f32x4.add(a2, f32x4.mul(u, w2));
        a3 = f32x4.add(a3, f32x4.mul(u, w3));
        b0 = f32x4.add(b0, f32x4.mul(v, w0));
        b1 = f32x4.add(b1, f32x4.mul(v, w1));
        b2 = f32x4.add(b2, f32x4.mul(v, w2));
        b3 = f32x4.add(b3, f32x4.mul(v, w3));
        wp += sw;
      }
      v128.store(o0 + f, cos4(a0));
      v128.store(o0 + f, cos4(a1), 16);
      v128.store(o0 + f, cos4(a2), 32);
      v128.store(o0 + f, cos4(a3), 48);
      v128.store(o1 + f, cos4(b0));
      v128.store(o1 + f, cos4(b1), 16);
      v128.store(o1 + f, cos4(b2), 32);
      v128.store(o1 + f, cos4(b3), 48);
    }
    for (; f < fb; f += 16) {
      let a0 = v128.load(phase + f);
      let b0 = a0;
      let wp = omega + f;
      for (let k = 0; k < d; k++) {
        const kb = <usize>k << 2;
        const w0 = v128.load(wp);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + kb), w0));
        b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(x1 + kb), w0));
        wp += sw;
      }
      v128.store(o0 + f, cos4(a0));
      v128.store(o1 + f, cos4(b0));
    }
  }
  if (i < m) {
    const x0 = x + <usize>i * sx;
    const o0 = out + <usize>i * so;
    for (let f: usize = 0; f < fb; f += 16) {
      let a0 = v128.load(phase + f);
      let wp = omega + f;
      for (let k = 0; k < d; k++) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + (<usize>k << 2)), v128.load(wp)));
        wp += sw;
      }
      v128.store(o0 + f, cos4(a0));
    }
  }
}
