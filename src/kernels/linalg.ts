/**
 * Dense float64 linear algebra for the GP surrogates: Cholesky with jitter escalation, triangular solves,
 * inverse and log-determinant from a Cholesky factor, and the matrix products the GP needs.
 *
 * Storage convention: every matrix is a flat Float64Array in row-major order; an n×m matrix A has
 * A[i][j] at a[i*m + j]. Loops are ordered so that the innermost index walks contiguous memory
 * (i-k-j for products, row dot products in the factorisation) and row offsets are hoisted.
 *
 * From order {@link KERNEL_MIN_ORDER} up, the Cholesky factorisation, the triangular inverse, the inverse
 * from a factor and large Gram updates run in the GP kernels (src/kernels/gp-kernels.ts: WebAssembly SIMD,
 * or their bit-identical TypeScript twins when the module is unavailable), on a copy in kernel memory; the
 * copies cost O(n²) against O(n³) work. Below it, the plain TypeScript versions here run directly.
 */
import { GpArena } from './gp-kernels.js';

/** Smallest order (or row count) handed to the GP kernels. */
export const KERNEL_MIN_ORDER = 32;

/** Thrown when a matrix cannot be Cholesky-factorised even with the largest allowed jitter. */
export class CholeskyError extends Error {
  /** Order of the matrix. */
  readonly size: number;
  /** The last jitter tried (absolute, added to every diagonal entry); 0 if none was allowed. */
  readonly jitter: number;
  /** Index of the failing pivot in the last attempt, -1 if the input was not finite. */
  readonly pivot: number;

  constructor(size: number, jitter: number, pivot: number, detail: string) {
    super(
      `Cholesky factorisation failed for a ${size}x${size} matrix (${detail}; ` +
        `last jitter ${jitter.toExponential(3)}${pivot >= 0 ? `, pivot ${pivot}` : ''})`,
    );
    this.name = 'CholeskyError';
    this.size = size;
    this.jitter = jitter;
    this.pivot = pivot;
  }
}

/** Options of {@link choleskyInPlace}. */
export interface CholeskyOptions {
  /** Smallest relative jitter tried after a plain attempt fails (default 1e-8). */
  minJitter?: number;
  /** Largest relative jitter tried (default 1e-4); the relative jitter grows tenfold per attempt. */
  maxJitter?: number;
  /**
   * Scale the relative jitter multiplies (default: the mean of the diagonal). Pass a floor when the
   * diagonal itself may be tiny, e.g. a posterior covariance that has collapsed.
   */
  jitterScale?: number;
}

/**
 * Lower Cholesky factorisation A = L Lᵀ in place.
 *
 * Only the lower triangle of `a` is read. On success the lower triangle holds L and the strict upper
 * triangle is zeroed, so `a` is a proper triangular matrix.
 * If the plain factorisation fails, jitter·I is added with jitter = c·scale for c = 1e-8, 1e-7, …, 1e-4
 * (scale = mean diagonal by default) until one succeeds.
 *
 * @returns the absolute jitter added to the diagonal (0 when none was needed).
 * @throws CholeskyError if every attempt fails or the matrix holds a non-finite value.
 */
export function choleskyInPlace(a: Float64Array, n: number, options: CholeskyOptions = {}): number {
  if (a.length < n * n) throw new Error(`choleskyInPlace: buffer of ${a.length} entries is too small for ${n}x${n}`);
  if (n === 0) return 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(a[ri + j])) throw new CholeskyError(n, 0, -1, `non-finite entry at (${i}, ${j})`);
    }
    trace += a[ri + i];
  }
  // A contiguous copy lets a failed attempt restart without re-deriving A (a memcpy, cheap next to n³/6).
  const backup = scratch(n * n);
  backup.set(a.subarray(0, n * n));
  const minJitter = options.minJitter ?? 1e-8;
  const maxJitter = options.maxJitter ?? 1e-4;
  const scale = options.jitterScale ?? Math.abs(trace / n);

  const factor = n >= KERNEL_MIN_ORDER ? factorLowerKernel : factorLower;
  let jitter = 0;
  let pivot = factor(a, n);
  for (let c = minJitter; pivot >= 0 && c <= maxJitter * (1 + 1e-9); c *= 10) {
    jitter = c * scale;
    a.set(backup.subarray(0, n * n));
    for (let i = 0; i < n; i++) a[i * n + i] += jitter;
    pivot = factor(a, n);
  }
  if (pivot >= 0) {
    throw new CholeskyError(n, jitter, pivot, 'matrix is not positive definite');
  }
  for (let i = 0; i < n - 1; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
  return jitter;
}

/** Matrices up to this many entries share one retained scratch buffer; larger ones get a temporary one. */
const SCRATCH_RETAIN = 1 << 20;
let scratchBuffer = new Float64Array(0);

function scratch(size: number): Float64Array {
  if (size > SCRATCH_RETAIN) return new Float64Array(size);
  if (scratchBuffer.length < size) scratchBuffer = new Float64Array(size);
  return scratchBuffer;
}

/** {@link factorLower} in the GP kernels, on a copy of `a`. */
function factorLowerKernel(a: Float64Array, n: number): number {
  const arena = new GpArena();
  const slot = arena.f64(n * n);
  arena.commit();
  try {
    const v = slot.view();
    v.set(a.subarray(0, n * n));
    const pivot = arena.kernels.cholesky(v, n);
    a.set(v);
    return pivot;
  } finally {
    arena.release();
  }
}

/**
 * Row-oriented (Cholesky–Banachiewicz) factorisation of the lower triangle, two rows at a time against two
 * earlier rows at a time: the 2×2 block of dot products shares its four loads per step between four
 * multiply-adds (about 1.6× faster in V8 than one dot product at a time).
 * Returns -1 on success, else the index of the first non-positive pivot.
 */
function factorLower(a: Float64Array, n: number): number {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n;
    const r1 = r0 + n;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const c0 = j * n;
      const c1 = c0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < j; k++) {
        const a0 = a[r0 + k];
        const a1 = a[r1 + k];
        const b0 = a[c0 + k];
        const b1 = a[c1 + k];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
      }
      // Column j first; column j+1 also needs the k = j term, which uses the entries just computed.
      const djj = a[c0 + j];
      const l = a[c1 + j];
      const d11 = a[c1 + j + 1];
      const x0 = (a[r0 + j] - s00) / djj;
      const x1 = (a[r1 + j] - s10) / djj;
      a[r0 + j] = x0;
      a[r1 + j] = x1;
      a[r0 + j + 1] = (a[r0 + j + 1] - s01 - x0 * l) / d11;
      a[r1 + j + 1] = (a[r1 + j + 1] - s11 - x1 * l) / d11;
    }
    if (j < i) {
      const c0 = j * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < j; k++) {
        const b = a[c0 + k];
        s0 += a[r0 + k] * b;
        s1 += a[r1 + k] * b;
      }
      a[r0 + j] = (a[r0 + j] - s0) / a[c0 + j];
      a[r1 + j] = (a[r1 + j] - s1) / a[c0 + j];
    }
    // Diagonal block: L[i,i], L[i+1,i], L[i+1,i+1].
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < i; k++) {
      const a0 = a[r0 + k];
      const a1 = a[r1 + k];
      s0 += a0 * a0;
      s1 += a1 * a0;
      s2 += a1 * a1;
    }
    const p0 = a[r0 + i] - s0;
    if (!(p0 > 0)) return i;
    const dii = Math.sqrt(p0);
    a[r0 + i] = dii;
    const l10 = (a[r1 + i] - s1) / dii;
    a[r1 + i] = l10;
    const p1 = a[r1 + i + 1] - s2 - l10 * l10;
    if (!(p1 > 0)) return i + 1;
    a[r1 + i + 1] = Math.sqrt(p1);
  }
  if (i < n) {
    // Odd order: the last row alone.
    const r0 = i * n;
    for (let j = 0; j <= i; j++) {
      const c0 = j * n;
      let s = 0;
      for (let k = 0; k < j; k++) s += a[r0 + k] * a[c0 + k];
      const v = a[r0 + j] - s;
      if (j < i) {
        a[r0 + j] = v / a[c0 + j];
      } else {
        if (!(v > 0)) return i;
        a[r0 + i] = Math.sqrt(v);
      }
    }
  }
  return -1;
}

/** Solves L x = b in place (forward substitution); L is n×n lower triangular. */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * b[k];
    b[i] = s / l[ri + i];
  }
  return b;
}

/** Solves Lᵀ x = b in place (back substitution) using the rows of L, so memory stays contiguous. */
export function solveLowerTransposed(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const x = b[i] / l[ri + i];
    b[i] = x;
    for (let k = 0; k < i; k++) b[k] -= l[ri + k] * x;
  }
  return b;
}

/** Solves (L Lᵀ) x = b in place given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b));
}

/** Solves L X = B in place for an n×m right-hand side B (row-major), row by row (i-k-j order). */
export function solveLowerMulti(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const bi = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k];
      if (lik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) b[bi + j] -= lik * b[bk + j];
    }
    const inv = 1 / l[ri + i];
    for (let j = 0; j < m; j++) b[bi + j] *= inv;
  }
  return b;
}

/**
 * Solves L x = b in place for m right-hand sides stored as the ROWS of B (m×n, row-major), i.e. B ← B·L⁻ᵀ.
 * Forward substitution in dot-product form, two right-hand sides against two rows of L at a time, which
 * suits V8 better than the axpy form of {@link solveLowerMulti} when each right-hand side is a point.
 */
export function solveLowerRows(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  let r = 0;
  for (; r + 1 < m; r += 2) {
    const v0 = r * n;
    const v1 = v0 + n;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const l0 = i * n;
      const l1 = l0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < i; k++) {
        const a0 = l[l0 + k];
        const a1 = l[l1 + k];
        const x0 = b[v0 + k];
        const x1 = b[v1 + k];
        s00 += a0 * x0;
        s01 += a0 * x1;
        s10 += a1 * x0;
        s11 += a1 * x1;
      }
      const dii = l[l0 + i];
      const x0 = (b[v0 + i] - s00) / dii;
      const x1 = (b[v1 + i] - s01) / dii;
      b[v0 + i] = x0;
      b[v1 + i] = x1;
      const li = l[l1 + i];
      const d11 = l[l1 + i + 1];
      b[v0 + i + 1] = (b[v0 + i + 1] - s10 - li * x0) / d11;
      b[v1 + i + 1] = (b[v1 + i + 1] - s11 - li * x1) / d11;
    }
    if (i < n) {
      const l0 = i * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < i; k++) {
        const a = l[l0 + k];
        s0 += a * b[v0 + k];
        s1 += a * b[v1 + k];
      }
      b[v0 + i] = (b[v0 + i] - s0) / l[l0 + i];
      b[v1 + i] = (b[v1 + i] - s1) / l[l0 + i];
    }
  }
  if (r < m) solveLower(l, n, b.subarray(r * n, (r + 1) * n));
  return b;
}

/** Solves Lᵀ X = B in place for an n×m right-hand side B (row-major). */
export function solveLowerTransposedMulti(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const bi = i * m;
    const inv = 1 / l[ri + i];
    for (let j = 0; j < m; j++) b[bi + j] *= inv;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k];
      if (lik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) b[bk + j] -= lik * b[bi + j];
    }
  }
  return b;
}

/** Solves (L Lᵀ) X = B in place for an n×m right-hand side. */
export function choleskySolveMulti(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  return solveLowerTransposedMulti(l, n, solveLowerMulti(l, n, b, m), m);
}

/**
 * U = L⁻ᵀ (upper triangular, row-major; the strict lower triangle is zeroed) from a lower-triangular L.
 * Row c of U solves Σ_k L[i,k]·U[c,k] = δ_ic for i ≥ c, so every entry is a dot product of two contiguous
 * row segments; rows of U are produced two at a time against two rows of L (2×2 register block).
 * `out` must not alias `l`. Cost n³/6 multiply-adds.
 */
export function invertLowerTransposed(l: Float64Array, n: number, out: Float64Array = new Float64Array(n * n)): Float64Array {
  if (n >= KERNEL_MIN_ORDER) {
    const arena = new GpArena();
    const sl = arena.f64(n * n);
    const su = arena.f64(n * n);
    arena.commit();
    try {
      const lv = sl.view();
      lv.set(l.subarray(0, n * n));
      arena.kernels.invertLowerTransposed(lv, n, su.view());
      out.set(su.view());
    } finally {
      arena.release();
    }
    return out;
  }
  out.fill(0, 0, n * n);
  let c = 0;
  for (; c + 1 < n; c += 2) {
    const u0 = c * n;
    const u1 = u0 + n;
    out[u0 + c] = 1 / l[u0 + c];
    out[u1 + c + 1] = 1 / l[u1 + c + 1];
    out[u0 + c + 1] = -(l[u1 + c] * out[u0 + c]) / l[u1 + c + 1];
    let i = c + 2;
    for (; i + 1 < n; i += 2) {
      const l0 = i * n;
      const l1 = l0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      // U[c+1, c] is zero, so both rows can start at k = c.
      for (let k = c; k < i; k++) {
        const a0 = l[l0 + k];
        const a1 = l[l1 + k];
        const v0 = out[u0 + k];
        const v1 = out[u1 + k];
        s00 += a0 * v0;
        s01 += a0 * v1;
        s10 += a1 * v0;
        s11 += a1 * v1;
      }
      const dii = l[l0 + i];
      const x0 = -s00 / dii;
      const x1 = -s01 / dii;
      out[u0 + i] = x0;
      out[u1 + i] = x1;
      const li = l[l1 + i];
      const d11 = l[l1 + i + 1];
      out[u0 + i + 1] = -(s10 + li * x0) / d11;
      out[u1 + i + 1] = -(s11 + li * x1) / d11;
    }
    if (i < n) {
      const l0 = i * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = c; k < i; k++) {
        const a0 = l[l0 + k];
        s0 += a0 * out[u0 + k];
        s1 += a0 * out[u1 + k];
      }
      out[u0 + i] = -s0 / l[l0 + i];
      out[u1 + i] = -s1 / l[l0 + i];
    }
  }
  if (c < n) out[c * n + c] = 1 / l[c * n + c];
  return out;
}

/** Inverse of a lower-triangular L (lower triangular result in `out`, which must not alias `l`). */
export function invertLower(l: Float64Array, n: number, out: Float64Array = new Float64Array(n * n)): Float64Array {
  const u = invertLowerTransposed(l, n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < n; j++) out[ri + j] = u[j * n + i];
  }
  return out;
}

/**
 * A⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor L of A, as a full symmetric matrix in `out`.
 * With U = L⁻ᵀ, (A⁻¹)[a,b] = Σ_{k ≥ max(a,b)} U[a,k]·U[b,k]: contiguous row dot products, computed for
 * 2×2 blocks of entries at a time. `work` (n², optional) receives U. Neither may alias `l`.
 * Cost about n³/3 multiply-adds.
 */
export function inverseFromCholesky(
  l: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n * n),
  work: Float64Array = new Float64Array(n * n),
): Float64Array {
  if (n >= KERNEL_MIN_ORDER) {
    const arena = new GpArena();
    const sl = arena.f64(n * n);
    const su = arena.f64(n * n);
    const so = arena.f64(n * n);
    arena.commit();
    try {
      const lv = sl.view();
      lv.set(l.subarray(0, n * n));
      arena.kernels.invertLowerTransposed(lv, n, su.view());
      arena.kernels.gramUpper(su.view(), n, so.view());
      work.set(su.view());
      out.set(so.view());
    } finally {
      arena.release();
    }
    return out;
  }
  const u = invertLowerTransposed(l, n, work);
  let a = 0;
  for (; a + 1 < n; a += 2) {
    const ua0 = a * n;
    const ua1 = ua0 + n;
    let b = 0;
    // U[a+1, a] is zero, so every sum may start at k = a.
    for (; b + 1 < a; b += 2) {
      const ub0 = b * n;
      const ub1 = ub0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = a; k < n; k++) {
        const x0 = u[ua0 + k];
        const x1 = u[ua1 + k];
        const y0 = u[ub0 + k];
        const y1 = u[ub1 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      out[ua0 + b] = s00;
      out[ua0 + b + 1] = s01;
      out[ua1 + b] = s10;
      out[ua1 + b + 1] = s11;
      out[ub0 + a] = s00;
      out[ub1 + a] = s01;
      out[ub0 + a + 1] = s10;
      out[ub1 + a + 1] = s11;
    }
    if (b < a) {
      const ub0 = b * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = a; k < n; k++) {
        const y0 = u[ub0 + k];
        s0 += u[ua0 + k] * y0;
        s1 += u[ua1 + k] * y0;
      }
      out[ua0 + b] = s0;
      out[ua1 + b] = s1;
      out[ub0 + a] = s0;
      out[ub0 + a + 1] = s1;
    }
    let s00 = 0;
    let s10 = 0;
    let s11 = 0;
    for (let k = a; k < n; k++) {
      const x0 = u[ua0 + k];
      const x1 = u[ua1 + k];
      s00 += x0 * x0;
      s10 += x1 * x0;
      s11 += x1 * x1;
    }
    out[ua0 + a] = s00;
    out[ua1 + a] = s10;
    out[ua0 + a + 1] = s10;
    out[ua1 + a + 1] = s11;
  }
  if (a < n) {
    // Odd order: last row, where only k = a contributes.
    const ua = a * n;
    const v = u[ua + a];
    for (let b = 0; b <= a; b++) {
      const s = v * u[b * n + a];
      out[ua + b] = s;
      out[b * n + a] = s;
    }
  }
  return out;
}

/** log det(A) = 2 Σ log L_ii from the Cholesky factor L of A. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/** C = A·B with A m×k and B k×n (row-major); i-k-j order. `out` must not alias the inputs. */
export function matMul(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
  out: Float64Array = new Float64Array(m * n),
): Float64Array {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ri = i * k;
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const v = a[ri + p];
      if (v === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[ci + j] += v * b[bp + j];
    }
  }
  return out;
}

/**
 * C (+)= A·Bᵀ with A m×k and B n×k (row-major), so every entry is a dot product of two contiguous rows;
 * computed in 2×4 register blocks (six loads feed eight multiply-adds). With `accumulate` the product is
 * added to `out` instead of overwriting it. `out` must not alias the inputs.
 */
export function matMulTransB(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
  out: Float64Array = new Float64Array(m * n),
  accumulate = false,
): Float64Array {
  if (!accumulate) out.fill(0, 0, m * n);
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const c0 = i * n;
    const c1 = c0 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const y0 = b[b0 + p];
        const y1 = b[b1 + p];
        const y2 = b[b2 + p];
        const y3 = b[b3 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      out[c0 + j] += s00;
      out[c0 + j + 1] += s01;
      out[c0 + j + 2] += s02;
      out[c0 + j + 3] += s03;
      out[c1 + j] += s10;
      out[c1 + j + 1] += s11;
      out[c1 + j + 2] += s12;
      out[c1 + j + 3] += s13;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let p = 0; p < k; p++) {
        const y = b[b0 + p];
        s0 += a[a0 + p] * y;
        s1 += a[a1 + p] * y;
      }
      out[c0 + j] += s0;
      out[c1 + j] += s1;
    }
  }
  if (i < m) {
    const a0 = i * k;
    const c0 = i * n;
    for (let j = 0; j < n; j++) {
      const b0 = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[a0 + p] * b[b0 + p];
      out[c0 + j] += s;
    }
  }
  return out;
}

/** y = A·x with A m×n (row-major). */
export function matVec(a: Float64Array, x: Float64Array, m: number, n: number, out: Float64Array = new Float64Array(m)): Float64Array {
  for (let i = 0; i < m; i++) {
    const ri = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += a[ri + j] * x[j];
    out[i] = s;
  }
  return out;
}


/**
 * C −= A·Aᵀ on the lower triangle of C (m×m), A m×k row-major; the upper triangle of C is left alone.
 * Row dot products with four accumulators.
 */
export function subtractGramLower(a: Float64Array, m: number, k: number, c: Float64Array): Float64Array {
  if (m >= 2 * KERNEL_MIN_ORDER && k >= 8) return subtractGramLowerKernel(a, m, k, c);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    const ci = i * m;
    for (let j = 0; j <= i; j++) {
      const aj = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let p = 0;
      for (; p + 3 < k; p += 4) {
        s0 += a[ai + p] * a[aj + p];
        s1 += a[ai + p + 1] * a[aj + p + 1];
        s2 += a[ai + p + 2] * a[aj + p + 2];
        s3 += a[ai + p + 3] * a[aj + p + 3];
      }
      for (; p < k; p++) s0 += a[ai + p] * a[aj + p];
      c[ci + j] -= s0 + s1 + (s2 + s3);
    }
  }
  return c;
}

/** Rows of C per product in {@link subtractGramLowerKernel}. */
const GRAM_BLOCK = 64;

/**
 * {@link subtractGramLower} in the GP kernels: for each block of rows of C, a product with −Aᵀ over the
 * columns up to the block's end (even-sized, so a few entries above the diagonal are computed and dropped;
 * with m odd, the last column of the last row is done here). Each entry is C[i][j] plus the products
 * −A[i][p]·A[j][p] summed in order p = 0 … k−1.
 */
function subtractGramLowerKernel(a: Float64Array, m: number, k: number, c: Float64Array): Float64Array {
  const arena = new GpArena();
  const sa = arena.f64(m * k);
  const sb = arena.f64(k * m);
  const sc = arena.f64(GRAM_BLOCK * m);
  arena.commit();
  try {
    const av = sa.view();
    av.set(a.subarray(0, m * k));
    const bt = sb.view();
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) bt[p * m + i] = -a[i * k + p];
    const cv = sc.view();
    const evenM = m & ~1;
    for (let r0 = 0; r0 < m; r0 += GRAM_BLOCK) {
      const rows = Math.min(GRAM_BLOCK, m - r0);
      const r1 = r0 + rows;
      const cols = Math.min(r1 + (r1 & 1), evenM);
      for (let t = 0; t < rows; t++) cv.set(c.subarray((r0 + t) * m, (r0 + t) * m + cols), t * m);
      arena.kernels.gemm64(av.subarray(r0 * k), k, bt, m, cv, m, rows, k, cols, true);
      for (let t = 0; t < rows; t++) {
        const i = r0 + t;
        const upto = Math.min(i + 1, cols);
        c.set(cv.subarray(t * m, t * m + upto), i * m);
        if (upto <= i) {
          // Only the last column of an odd order is left: C[m−1][m−1].
          let s = c[i * m + i];
          for (let p = 0; p < k; p++) s += -a[i * k + p] * a[i * k + p];
          c[i * m + i] = s;
        }
      }
    }
  } finally {
    arena.release();
  }
  return c;
}
