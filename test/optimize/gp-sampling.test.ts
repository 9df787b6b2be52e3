import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/util/rng.js';
import { inverseFromCholesky, choleskyInPlace } from '../../src/kernels/linalg.js';
import { GaussianProcess, type GpHyperparameters } from '../../src/optimize/gp/gp.js';
import { maternCrossKernel, maternKernelMatrix } from '../../src/optimize/gp/matern.js';
import { drawMaternFeatures, fastCos, featureMatrix } from '../../src/optimize/gp/rff.js';
import { JS_GP_KERNELS } from '../../src/kernels/gp-kernels.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

describe('random Fourier features', () => {
  it('fastCos matches Math.cos to 1e-10', () => {
    let worst = 0;
    const check = (x: number) => {
      worst = Math.max(worst, Math.abs(fastCos(x) - Math.cos(x)));
    };
    for (let x = -1e4; x <= 1e4; x += 0.7371) check(x);
    for (let x = -7; x <= 7; x += 1e-3) check(x);
    assert.ok(worst < 1e-10, `worst error ${worst}`);
  });


  it('approximate the Matérn-5/2 ARD kernel: φ(x)ᵀφ(x′) → σ_f² k(x, x′)', () => {
    const d = 3;
    const ls = Float64Array.of(0.3, 0.7, 1.5);
    const sf2 = 1.7;
    const F = 40000;
    const ff = drawMaternFeatures(d, F, ls, sf2, new Rng(61));
    const pts = Float64Array.of(0.5, 0.5, 0.5, 0.6, 0.4, 0.5, 0.2, 0.9, 0.1, 0.5, 0.5, 1.4, 0.8, 0.2, 0.6);
    const m = 5;
    const phi = featureMatrix(ff, pts, m);
    const k = maternKernelMatrix(pts, m, d, ls, sf2);
    // Per-pair Monte Carlo standard error ≤ σ_f²·√(1/F) ≈ 0.0085 (each term 2cos·cos has variance ≤ 1);
    // allow ~5 of them.
    // A Matérn-3/2 spectral density (χ²₃ instead of χ²₅) would be off by ≈ 0.07 at r ≈ 0.5.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let f = 0; f < F; f++) s += phi[i * F + f] * phi[j * F + f];
        close(s, k[i * m + j], 0.045, `k(${i},${j})`);
      }
    }
  });

  it('the sampling kernel product equals Φ·W', () => {
    const d = 4;
    const q = 4; // the kernel's output width must be even
    const m = 5;
    const rng = new Rng(62);
    const F = 37; // odd, to exercise the remainders
    const ff = drawMaternFeatures(d, F, Float64Array.of(0.2, 0.5, 1, 2), 0.8, rng);
    const x = new Float64Array(m * d).map(() => rng.random());
    const w = rng.fillNormal(new Float64Array(q * F));
    const phi = featureMatrix(ff, x, m);
    // The kernel takes W as F×q (feature-major); w holds it sample-major.
    const wT = new Float64Array(F * q);
    for (let s = 0; s < q; s++) for (let f = 0; f < F; f++) wT[f * q + s] = w[s * F + f];
    const out = new Float64Array(m * q);
    JS_GP_KERNELS.gemm64(phi, F, wT, q, out, q, m, F, q, false);
    for (let i = 0; i < m; i++) {
      for (let s = 0; s < q; s++) {
        let e = 0;
        for (let f = 0; f < F; f++) e += phi[i * F + f] * w[s * F + f];
        close(out[i * q + s], e, 1e-12, `(${i},${s})`);
      }
    }
  });
});

/** Setting shared by the statistical checks: 2-D, 10 noisy-free-ish observations, 12 test points. */
function setting() {
  const rng = new Rng(71);
  const n = 10;
  const d = 2;
  const X = new Float64Array(n * d).map(() => rng.random());
  const y = new Float64Array(n).map((_, i) => 100 + 20 * Math.sin(5 * X[i * d]) * X[i * d + 1]); // far from N(0, 1): exercises un-standardisation
  const h: GpHyperparameters = { lengthscales: Float64Array.of(0.25, 0.4), outputscale: 1.3, noise: 1e-4, mean: 0.2 };
  const gp = GaussianProcess.withHyperparameters(X, n, d, y, h);
  const m = 12;
  const xs = new Float64Array(m * d).map(() => rng.random());
  // Two test points right next to each other and one at a training input.
  xs.set([0.35, 0.65, 0.37, 0.66], 0);
  xs.set(X.subarray(0, d), 4);
  return { gp, X, n, d, h, xs, m, y };
}

/** Exact posterior covariance in model space, computed naively for the checks. */
function exactCovariance(X: Float64Array, n: number, d: number, h: GpHyperparameters, xs: Float64Array, m: number, std: number): Float64Array {
  const K = maternKernelMatrix(X, n, d, h.lengthscales, h.outputscale, h.noise);
  choleskyInPlace(K, n);
  const Kinv = inverseFromCholesky(K, n);
  const kxs = maternCrossKernel(xs, m, X, n, d, h.lengthscales, h.outputscale);
  const kss = maternKernelMatrix(xs, m, d, h.lengthscales, h.outputscale);
  const cov = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let q = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += kxs[a * n + i] * Kinv[i * n + j] * kxs[b * n + j];
      cov[a * m + b] = std * std * (kss[a * m + b] - q);
    }
  }
  return cov;
}

/** Sample mean and covariance of N samples over m points (sample-major rows). */
function moments(samples: Float64Array[], m: number): { mean: Float64Array; cov: Float64Array; count: number } {
  const mean = new Float64Array(m);
  let count = 0;
  for (const block of samples) {
    const q = block.length / m;
    for (let s = 0; s < q; s++, count++) for (let i = 0; i < m; i++) mean[i] += block[s * m + i];
  }
  for (let i = 0; i < m; i++) mean[i] /= count;
  const cov = new Float64Array(m * m);
  for (const block of samples) {
    const q = block.length / m;
    for (let s = 0; s < q; s++) {
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) cov[a * m + b] += (block[s * m + a] - mean[a]) * (block[s * m + b] - mean[b]);
    }
  }
  for (let i = 0; i < m * m; i++) cov[i] /= count - 1;
  return { mean, cov, count };
}

/**
 * Checks sample moments against the exact posterior: means within 5 standard errors, variances within
 * 5·√(2/N) relatively (plus `bias` for the feature approximation), and the correlation of the two
 * neighbouring points within 0.1.
 */
function checkMoments(samples: Float64Array[], expMean: Float64Array, expCov: Float64Array, m: number, bias: number, label: string): void {
  const { mean, cov, count } = moments(samples, m);
  for (let i = 0; i < m; i++) {
    const v = expCov[i * m + i];
    const se = Math.sqrt(v / count);
    close(mean[i], expMean[i], 5 * se + 1e-9, `${label} mean ${i}`);
    close(cov[i * m + i], v, v * (5 * Math.sqrt(2 / count) + bias) + 1e-10, `${label} variance ${i}`);
  }
  const corr = (c: Float64Array) => c[1] / Math.sqrt(c[0] * c[m + 1]);
  close(corr(cov), corr(expCov), 0.1, `${label} correlation of neighbours`);
}

describe('joint posterior sampling', () => {
  const { gp, X, n, d, h, xs, m } = setting();
  const pred = gp.predict(xs, m);
  const cov = exactCovariance(X, n, d, h, xs, m, gp.standardization.std);

  it('the test setting has a collapsed point and a strongly correlated pair', () => {
    const priorVar = h.outputscale * gp.standardization.std ** 2;
    assert.ok(pred.variance[2] < 1e-3 * priorVar, `variance at a training input ${pred.variance[2]}`);
    assert.ok(pred.variance[0] > 0.05 * priorVar, `variance at the neighbours ${pred.variance[0]}`);
    const corr = cov[1] / Math.sqrt(cov[0] * cov[m + 1]);
    assert.ok(corr > 0.9, `neighbour correlation ${corr}`);
    for (let i = 0; i < m; i++) close(cov[i * m + i], pred.variance[i], 1e-9 * (1 + pred.variance[i]), 'predict variance = diag Σ');
  });

  it('exact samples have the posterior mean and covariance', () => {
    const rng = new Rng(72);
    const blocks: Float64Array[] = [];
    for (let r = 0; r < 5; r++) blocks.push(gp.sampleJoint(xs, m, 1000, rng, { method: 'exact' }));
    checkMoments(blocks, pred.mean, cov, m, 0, 'exact');
  });

  it('pathwise samples agree with exact ones in mean and covariance', () => {
    const rng = new Rng(73);
    const blocks: Float64Array[] = [];
    // New features every call, so the feature error averages out like the sampling error.
    for (let r = 0; r < 250; r++) blocks.push(gp.sampleJoint(xs, m, 16, rng, { method: 'pathwise', features: 1024 }));
    checkMoments(blocks, pred.mean, cov, m, 0.05, 'pathwise');
  });

  it('is deterministic for a seed and defaults to exact for small m', () => {
    const a = gp.sampleJoint(xs, m, 4, new Rng(5), { method: 'pathwise', features: 128 });
    const b = gp.sampleJoint(xs, m, 4, new Rng(5), { method: 'pathwise', features: 128 });
    assert.deepEqual(a, b);
    assert.deepEqual(gp.sampleJoint(xs, m, 4, new Rng(6)), gp.sampleJoint(xs, m, 4, new Rng(6), { method: 'exact' }));
    assert.equal(gp.sampleJoint(xs, m, 0, new Rng(6)).length, 0);
    assert.throws(() => gp.sampleJoint(xs, m, 2, new Rng(6), { method: 'pathwise', features: 0 }), /features must be a positive integer/);
  });

  it('believer samples are pinned at the pending points', () => {
    const pending = xs.subarray(0, 2 * d); // the two neighbours
    const bel = gp.withPseudoObservations(pending, 2);
    for (const method of ['exact', 'pathwise'] as const) {
      const s = bel.sampleJoint(xs, m, 200, new Rng(8), { method, features: 512 });
      const { mean, cov: c } = moments([s], m);
      for (let t = 0; t < 2; t++) {
        close(mean[t], pred.mean[t], 0.05 * Math.sqrt(pred.variance[t]), `${method} mean at pending ${t}`);
        // Pseudo-observations carry the model noise, so the latent variance drops to at most ≈ σ_n²·std².
        const floor = 2 * h.noise * gp.standardization.std ** 2;
        assert.ok(c[t * m + t] < floor && floor < 0.01 * pred.variance[t], `${method} variance at pending ${t}: ${c[t * m + t]}`);
      }
    }
  });
});
