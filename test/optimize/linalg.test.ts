import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/util/rng.js';
import {
  CholeskyError,
  choleskyInPlace,
  choleskySolve,
  choleskySolveMulti,
  inverseFromCholesky,
  invertLower,
  invertLowerTransposed,
  logDetFromCholesky,
  matMul,
  matMulTransB,
  matVec,
  solveLower,
  solveLowerMulti,
  solveLowerRows,
  solveLowerTransposed,
  solveLowerTransposedMulti,
  subtractGramLower,
} from '../../src/kernels/linalg.js';

/** Random SPD matrix B Bᵀ + n·I (well conditioned). */
function randomSpd(n: number, rng: Rng): Float64Array {
  const b = new Float64Array(n * n).map(() => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a[i * n + j] = s + (i === j ? n : 0);
    }
  }
  return a;
}

function naiveMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Cholesky', () => {
  it('factorises an SPD matrix without jitter, L Lᵀ = A, upper triangle zero', () => {
    const rng = new Rng(1);
    for (const n of [1, 2, 3, 7, 33, 34]) {
      const a = randomSpd(n, rng);
      const l = Float64Array.from(a);
      assert.equal(choleskyInPlace(l, n), 0);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
      const llt = naiveMul(l, transpose(l, n, n), n, n, n);
      assert.ok(maxAbsDiff(llt, a) < 1e-10 * n, `n=${n}`);
    }
  });

  it('reads only the lower triangle', () => {
    const rng = new Rng(2);
    const n = 6;
    const a = randomSpd(n, rng);
    const l1 = Float64Array.from(a);
    const l2 = Float64Array.from(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l2[i * n + j] = 1e6 * rng.normal();
    choleskyInPlace(l1, n);
    choleskyInPlace(l2, n);
    assert.deepEqual(l1, l2);
  });

  it('escalates jitter on a singular PSD matrix and reports the amount used', () => {
    // Rank 2 in 5 dimensions (duplicate rows): a plain factorisation hits a zero pivot.
    const rng = new Rng(3);
    const n = 5;
    const b = new Float64Array(n * 2).map(() => rng.normal());
    b.set(b.subarray(0, 2), 2); // row 1 = row 0
    const a = naiveMul(b, transpose(b, n, 2), n, 2, n);
    let meanDiag = 0;
    for (let i = 0; i < n; i++) meanDiag += a[i * n + i] / n;
    const l = Float64Array.from(a);
    const jitter = choleskyInPlace(l, n);
    assert.ok(jitter > 0, 'jitter was needed');
    // It is one of the ladder values c·meanDiag, c ∈ {1e-8, …, 1e-4}.
    const c = jitter / meanDiag;
    assert.ok([1e-8, 1e-7, 1e-6, 1e-5, 1e-4].some((v) => Math.abs(c / v - 1) < 1e-6), `relative jitter ${c}`);
    const llt = naiveMul(l, transpose(l, n, n), n, n, n);
    for (let i = 0; i < n; i++) a[i * n + i] += jitter;
    assert.ok(maxAbsDiff(llt, a) < 1e-9, 'maxAbsDiff(llt, a) < 1e-9');
  });

  it('fails clearly on a matrix that is not PSD', () => {
    // Eigenvalues 3 and −1: no jitter up to 1e-4 × mean diagonal can fix it.
    const a = Float64Array.of(1, 2, 2, 1);
    assert.throws(
      () => choleskyInPlace(a, 2),
      (e: unknown) => {
        assert.ok(e instanceof CholeskyError, 'e instanceof CholeskyError');
        assert.equal(e.size, 2);
        assert.ok(Math.abs(e.jitter - 1e-4) < 1e-12, `last jitter ${e.jitter}`);
        assert.match(e.message, /2x2 matrix/);
        assert.match(e.message, /not positive definite/);
        return true;
      },
    );
  });

  it('rejects non-finite entries', () => {
    assert.throws(() => choleskyInPlace(Float64Array.of(1, 0, NaN, 1), 2), /non-finite entry at \(1, 0\)/);
  });

  it('handles the empty matrix', () => {
    assert.equal(choleskyInPlace(new Float64Array(0), 0), 0);
  });
});

describe('triangular solves, inverse, log-determinant', () => {
  const rng = new Rng(4);
  const n = 9;
  const a = randomSpd(n, rng);
  const l = Float64Array.from(a);
  choleskyInPlace(l, n);

  it('vector solves', () => {
    const x = new Float64Array(n).map(() => rng.normal());
    const lx = matVec(l, x, n, n);
    assert.ok(maxAbsDiff(solveLower(l, n, Float64Array.from(lx)), x) < 1e-12, 'maxAbsDiff(solveLower(l, n, Float64Array.from(lx)), x) < 1e-12');
    const ltx = matVec(transpose(l, n, n), x, n, n);
    assert.ok(maxAbsDiff(solveLowerTransposed(l, n, Float64Array.from(ltx)), x) < 1e-12, 'maxAbsDiff(solveLowerTransposed(l, n, Float64Array.from(ltx)), x) < 1e-12');
    const ax = matVec(a, x, n, n);
    assert.ok(maxAbsDiff(choleskySolve(l, n, Float64Array.from(ax)), x) < 1e-12, 'maxAbsDiff(choleskySolve(l, n, Float64Array.from(ax)), x) < 1e-12');
  });

  it('multi right-hand-side solves', () => {
    const m = 4;
    const x = new Float64Array(n * m).map(() => rng.normal());
    assert.ok(maxAbsDiff(solveLowerMulti(l, n, naiveMul(l, x, n, n, m), m), x) < 1e-12, 'maxAbsDiff(solveLowerMulti(l, n, naiveMul(l, x, n, n, m), m), x) < 1e-12');
    assert.ok(maxAbsDiff(solveLowerTransposedMulti(l, n, naiveMul(transpose(l, n, n), x, n, n, m), m), x) < 1e-12, 'maxAbsDiff(solveLowerTransposedMulti(l, n, naiveMul(transpose(l, n, n), x, n, n, m), m), x) < 1e-12');
    assert.ok(maxAbsDiff(choleskySolveMulti(l, n, naiveMul(a, x, n, n, m), m), x) < 1e-12, 'maxAbsDiff(choleskySolveMulti(l, n, naiveMul(a, x, n, n, m), m), x) < 1e-12');
  });

  it('inverse from the Cholesky factor', () => {
    const inv = inverseFromCholesky(l, n);
    const eye = naiveMul(a, inv, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(eye[i * n + j] - (i === j ? 1 : 0)) < 1e-12, 'Math.abs(eye[i * n + j] - (i === j ? 1 : 0)) < 1e-12');
    assert.ok(maxAbsDiff(inv, transpose(inv, n, n)) === 0, 'exactly symmetric');
    const li = invertLower(l, n);
    const e2 = naiveMul(l, li, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(e2[i * n + j] - (i === j ? 1 : 0)) < 1e-12, 'Math.abs(e2[i * n + j] - (i === j ? 1 : 0)) < 1e-12');
    assert.ok(maxAbsDiff(invertLowerTransposed(l, n), transpose(li, n, n)) < 1e-15, 'maxAbsDiff(invertLowerTransposed(l, n), transpose(li, n, n)) < 1e-15');
  });

  it('inverse and L⁻ᵀ for odd and even orders (blocked loops and their remainders)', () => {
    for (const m of [1, 2, 3, 4, 8, 11, 34]) {
      const am = randomSpd(m, rng);
      const lm = Float64Array.from(am);
      choleskyInPlace(lm, m);
      const inv = inverseFromCholesky(lm, m);
      const eye = naiveMul(am, inv, m, m, m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) assert.ok(Math.abs(eye[i * m + j] - (i === j ? 1 : 0)) < 1e-11, `A·A⁻¹ (${m})`);
      const u = invertLowerTransposed(lm, m);
      const e2 = naiveMul(transpose(lm, m, m), u, m, m, m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) assert.ok(Math.abs(e2[i * m + j] - (i === j ? 1 : 0)) < 1e-12, `Lᵀ·U (${m})`);
    }
  });

  it('log-determinant', () => {
    // 3×3 example with det = 2·(3·4 − 1) − 1·(1·4 − 0) = 18.
    const b = Float64Array.of(2, 1, 0, 1, 3, 1, 0, 1, 4);
    const lb = Float64Array.from(b);
    choleskyInPlace(lb, 3);
    assert.ok(Math.abs(logDetFromCholesky(lb, 3) - Math.log(18)) < 1e-13, 'Math.abs(logDetFromCholesky(lb, 3) - Math.log(18)) < 1e-13');
  });
});

describe('matrix products', () => {
  const rng = new Rng(5);
  it('matMul, matVec and subtractGramLower agree with naive loops', () => {
    const [m, k, n] = [5, 7, 3];
    const a = new Float64Array(m * k).map(() => rng.normal());
    const b = new Float64Array(k * n).map(() => rng.normal());
    assert.ok(maxAbsDiff(matMul(a, b, m, k, n), naiveMul(a, b, m, k, n)) < 1e-13, 'maxAbsDiff(matMul(a, b, m, k, n), naiveMul(a, b, m, k, n)) < 1e-13');
    const at = transpose(a, m, k); // k×m
    const x = new Float64Array(k).map(() => rng.normal());
    assert.ok(maxAbsDiff(matVec(a, x, m, k), naiveMul(a, x, m, k, 1)) < 1e-13, 'maxAbsDiff(matVec(a, x, m, k), naiveMul(a, x, m, k, 1)) < 1e-13');
    const c = new Float64Array(m * m).fill(1);
    subtractGramLower(a, m, k, c);
    const g = naiveMul(a, at, m, k, m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const expected = j <= i ? 1 - g[i * m + j] : 1;
        assert.ok(Math.abs(c[i * m + j] - expected) < 1e-13, 'Math.abs(c[i * m + j] - expected) < 1e-13');
      }
    }
  });
});

describe('matMulTransB', () => {
  it('computes and accumulates A·Bᵀ for odd and even shapes', () => {
    const rng = new Rng(6);
    for (const [m, k, n] of [
      [1, 1, 1],
      [2, 3, 4],
      [5, 7, 9],
      [6, 16, 8],
    ]) {
      const a = new Float64Array(m * k).map(() => rng.normal());
      const b = new Float64Array(n * k).map(() => rng.normal());
      const expected = naiveMul(a, transpose(b, n, k), m, k, n);
      assert.ok(maxAbsDiff(matMulTransB(a, b, m, k, n), expected) < 1e-13, `${m}x${k}x${n}`);
      const acc = new Float64Array(m * n).fill(2);
      matMulTransB(a, b, m, k, n, acc, true);
      assert.ok(maxAbsDiff(acc, expected.map((v) => v + 2)) < 1e-13, `accumulate ${m}x${k}x${n}`);
    }
  });
});

describe('solveLowerRows', () => {
  it('solves L x = b for every row of B (odd and even sizes)', () => {
    const rng = new Rng(7);
    for (const [n, m] of [
      [1, 1],
      [4, 3],
      [7, 6],
      [10, 5],
    ]) {
      const l = randomSpd(n, rng);
      choleskyInPlace(l, n);
      const x = new Float64Array(m * n).map(() => rng.normal());
      const b = naiveMul(x, transpose(l, n, n), m, n, n); // row r = L x_r
      assert.ok(maxAbsDiff(solveLowerRows(l, n, b, m), x) < 1e-12, `n=${n} m=${m}`);
    }
  });
});
