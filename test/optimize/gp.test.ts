import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/util/rng.js';
import { GaussianProcess, type GpHyperparameters } from '../../src/optimize/gp/gp.js';
import { defaultHyperparameters, fitHyperparameters } from '../../src/optimize/gp/fit.js';
import { MarginalLikelihood, packHyperparameters, unpackHyperparameters } from '../../src/optimize/gp/likelihood.js';
import { maternCrossKernel, maternKernelMatrix, pairIndex, pairwiseSquaredDifferences } from '../../src/optimize/gp/matern.js';
import { buildPosterior, conditionOnPseudoObservations, posteriorMeanVariance } from '../../src/optimize/gp/posterior.js';
import { bilog } from '../../src/optimize/gp/transforms.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/** Matérn-5/2 written out from the spec formula, independently of the implementation. */
function matern(r: number, sf2: number): number {
  return sf2 * (1 + Math.sqrt(5) * r + (5 * r * r) / 3) * Math.exp(-Math.sqrt(5) * r);
}

function hyper(lengthscales: number[], outputscale: number, noise: number, mean: number): GpHyperparameters {
  return { lengthscales: Float64Array.from(lengthscales), outputscale, noise, mean };
}

function randomInputs(n: number, d: number, rng: Rng): Float64Array {
  return new Float64Array(n * d).map(() => rng.random());
}

describe('Matérn-5/2 kernel', () => {
  it('matches the formula with ARD scaling, exactly σ_f² on the diagonal', () => {
    const a = Float64Array.of(0.1, 0.9, 0.4, 0.2);
    const b = Float64Array.of(0.3, 0.5, 0.4, 0.2, 1, 0);
    const ls = Float64Array.of(0.5, 2);
    const k = maternCrossKernel(a, 2, b, 3, 2, ls, 1.7);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const r = Math.hypot((a[2 * i] - b[2 * j]) / 0.5, (a[2 * i + 1] - b[2 * j + 1]) / 2);
        close(k[i * 3 + j], matern(r, 1.7), 1e-15, `k(${i},${j})`);
      }
    }
    const km = maternKernelMatrix(a, 2, 2, ls, 1.7, 0.25);
    assert.equal(km[0], 1.95);
    assert.equal(km[3], 1.95);
    close(km[1], km[2], 0, 'symmetric');
  });

  it('packs pairwise squared differences dimension-major', () => {
    const x = Float64Array.of(0, 1, 2, 5, 3, 3);
    const d2 = pairwiseSquaredDifferences(x, 3, 2); // 3 pairs
    assert.deepEqual([d2[pairIndex(2, 1)], d2[3 + pairIndex(2, 1)]], [1, 4]);
    assert.deepEqual([d2[pairIndex(1, 0)], d2[3 + pairIndex(1, 0)]], [4, 16]);
    assert.deepEqual([d2[pairIndex(2, 0)], d2[3 + pairIndex(2, 0)]], [9, 4]);
  });
});

describe('GP posterior, hand-computed 1-D case', () => {
  // Two points, fixed hyperparameters (standardised space), transform 'none'.
  const X = Float64Array.of(0.2, 0.7);
  const y = Float64Array.of(1, -1); // mean 0, unbiased std √2 → y' = ±1/√2
  const h = hyper([0.5], 1.5, 0.01, 0.1);
  const gp = GaussianProcess.withHyperparameters(X, 2, 1, y, h);

  // 2×2 algebra by hand.
  const std = Math.SQRT2;
  const yp = [1 / std, -1 / std];
  const k12 = matern(0.5 / 0.5, 1.5);
  const k11 = 1.5 + 0.01;
  const det = k11 * k11 - k12 * k12;
  const inv = [k11 / det, -k12 / det, -k12 / det, k11 / det];
  const r = [yp[0] - 0.1, yp[1] - 0.1];
  const alpha = [inv[0] * r[0] + inv[1] * r[1], inv[2] * r[0] + inv[3] * r[1]];

  it('predicts the hand-computed mean and variance (model scale = raw for none)', () => {
    const xs = Float64Array.of(0.4, 6);
    const p = gp.predict(xs, 2);
    for (let t = 0; t < 2; t++) {
      const ks = [matern(Math.abs(xs[t] - 0.2) / 0.5, 1.5), matern(Math.abs(xs[t] - 0.7) / 0.5, 1.5)];
      const meanStd = 0.1 + ks[0] * alpha[0] + ks[1] * alpha[1];
      const quad = ks[0] * (inv[0] * ks[0] + inv[1] * ks[1]) + ks[1] * (inv[2] * ks[0] + inv[3] * ks[1]);
      close(p.mean[t], std * meanStd, 1e-13, `mean at ${xs[t]}`);
      close(p.variance[t], std * std * (1.5 - quad), 1e-13, `variance at ${xs[t]}`);
    }
    // The mean-only path gives the same means, bit for bit.
    assert.deepEqual(Array.from(gp.predictMean(xs, 2)), Array.from(p.mean));
    // Far away: prior mean μ and prior variance σ_f², un-standardised.
    assert.ok(Math.abs(p.mean[1] - std * 0.1) < 1e-3, 'Math.abs(p.mean[1] - std * 0.1) < 1e-3');
  });

  it('reports the hand-computed log marginal likelihood', () => {
    const lml = -0.5 * (r[0] * alpha[0] + r[1] * alpha[1]) - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    close(gp.fitInfo.logMarginalLikelihood, lml, 1e-13, 'lml');
    close(gp.logMarginalLikelihood(), lml, 1e-13, 'lml method');
    assert.equal(gp.fitInfo.iterations, 0);
  });
});

describe('GP posterior properties', () => {
  it('interpolates noise-free data with vanishing variance at the data', () => {
    const rng = new Rng(21);
    const n = 12;
    const d = 2;
    const X = randomInputs(n, d, rng);
    const y = new Float64Array(n).map((_, i) => Math.sin(5 * X[i * d]) + X[i * d + 1] ** 2 + 3);
    const gp = GaussianProcess.withHyperparameters(X, n, d, y, hyper([0.3, 0.4], 1, 1e-10, 0));
    const p = gp.predict(X, n);
    for (let i = 0; i < n; i++) {
      close(p.mean[i], y[i], 1e-5, `mean at x${i}`);
      assert.ok(p.variance[i] < 1e-6, `variance ${p.variance[i]}`);
    }
  });

  it('works with n = 0 (prior) and n = 1', () => {
    const prior = GaussianProcess.fit(new Float64Array(0), 0, 3, new Float64Array(0));
    const xs = Float64Array.of(0.1, 0.2, 0.3, 0.9, 0.8, 0.7);
    const p0 = prior.predict(xs, 2);
    assert.deepEqual(Array.from(p0.mean), [0, 0]);
    close(p0.variance[0], Math.LN2, 1e-15, 'prior variance = ln 2');
    const s0 = prior.sampleJoint(xs, 2, 5, new Rng(1));
    assert.equal(s0.length, 10);
    assert.ok(prior.sampleJoint(xs, 2, 5, new Rng(1), { method: 'pathwise', features: 32 }).every(Number.isFinite), 'prior pathwise');
    assert.ok(s0.every(Number.isFinite), 's0.every(Number.isFinite)');

    const one = GaussianProcess.fit(Float64Array.of(0.5, 0.5, 0.5), 1, 3, Float64Array.of(42));
    const p1 = one.predict(Float64Array.of(0.5, 0.5, 0.5, 100, 100, 100), 2);
    close(p1.mean[0], 42, 1e-6, 'at the point');
    close(p1.mean[1], 42, 1e-9, 'far away (μ = data mean)');
    assert.ok(p1.variance[0] < 1e-3 && p1.variance[1] > 0.5, 'p1.variance[0] < 1e-3 && p1.variance[1] > 0.5');
    assert.ok(one.sampleJoint(xs, 2, 3, new Rng(2), { method: 'pathwise', features: 64 }).every(Number.isFinite), 'one.sampleJoint(xs, 2, 3, new Rng(2), { method: \'pathwise\', features: 64 }).every(Number.isFinite)');
  });

  it('fits constant outputs (std falls back to 1) and predicts the constant', () => {
    const rng = new Rng(23);
    const X = randomInputs(8, 2, rng);
    const gp = GaussianProcess.fit(X, 8, 2, new Float64Array(8).fill(-3.5));
    assert.deepEqual(gp.standardization, { mean: -3.5, std: 1 });
    const p = gp.predict(Float64Array.of(0.2, 0.4, 0.9, 0.1), 2);
    for (const v of p.mean) close(v, -3.5, 1e-9, 'constant mean');
    const s = gp.sampleJoint(Float64Array.of(0.2, 0.4, 0.9, 0.1), 2, 3, new Rng(1), { method: 'pathwise', features: 64 });
    assert.ok(s.every(Number.isFinite), 'finite samples');
  });

  it('survives duplicate inputs (jitter) in fit and with zero noise', () => {
    const rng = new Rng(22);
    const d = 2;
    const base = randomInputs(6, d, rng);
    const X = new Float64Array(12 * d);
    X.set(base);
    X.set(base, 6 * d); // every point twice
    const y = new Float64Array(12).map((_, i) => Math.cos(4 * X[i * d]) + 0.01 * (i >= 6 ? 1 : -1));
    const gp = GaussianProcess.fit(X, 12, d, y, { noiseBounds: [1e-8, 1e-6] });
    assert.ok(Number.isFinite(gp.fitInfo.logMarginalLikelihood), 'Number.isFinite(gp.fitInfo.logMarginalLikelihood)');
    assert.ok(gp.predict(base, 6).mean.every(Number.isFinite), 'gp.predict(base, 6).mean.every(Number.isFinite)');
    const noiseless = GaussianProcess.withHyperparameters(X, 12, d, y, hyper([0.5, 0.5], 1, 0, 0));
    assert.ok(noiseless.fitInfo.jitter > 0, 'jitter was needed');
    assert.ok(noiseless.predict(base, 6).mean.every(Number.isFinite), 'noiseless.predict(base, 6).mean.every(Number.isFinite)');
  });

  it('rejects bad inputs with clear messages', () => {
    assert.throws(() => GaussianProcess.fit(Float64Array.of(0.1), 1, 1, Float64Array.of(NaN)), /y\[0\] is not finite/);
    assert.throws(() => GaussianProcess.fit(Float64Array.of(0.1), 2, 1, Float64Array.of(1, 2)), /X has 1 values, expected 2x1/);
    assert.throws(() => GaussianProcess.withHyperparameters(Float64Array.of(0.1), 1, 1, Float64Array.of(1), hyper([0.5, 1], 1, 0, 0)), /2 lengthscales given for d = 1/);
    const gp = GaussianProcess.withHyperparameters(Float64Array.of(0.1), 1, 1, Float64Array.of(1), hyper([0.5], 1, 0, 0));
    assert.throws(() => gp.predict(Float64Array.of(0.1), 2), /predict: expected 2x1 inputs/);
  });
});

describe('log marginal likelihood gradient', () => {
  it('matches central finite differences for every parameter', () => {
    const rng = new Rng(31);
    const n = 15;
    for (const d of [3, 5]) {
      const X = randomInputs(n, d, rng);
      const y = new Float64Array(n).map((_, i) => Math.sin(3 * X[i * d]) + 0.5 * X[i * d + 1] + 0.1 * rng.normal());
      const lik = new MarginalLikelihood(X, n, d, y);
      const ls = (base: number[]) => Array.from({ length: d }, (_, k) => base[k % base.length] * (1 + 0.1 * k));
      for (const h of [hyper(ls([0.3, 0.8, 1.7]), 0.9, 0.02, 0.2), hyper(ls([0.05, 2.5, 0.6]), 2.3, 1e-4, -0.4)]) {
        const theta = packHyperparameters(h);
        const grad = new Float64Array(d + 3);
        const f0 = lik.evaluate(theta, grad);
        assert.ok(Number.isFinite(f0), 'finite log-likelihood');
        for (let p = 0; p < d + 3; p++) {
          const step = 1e-5;
          const tp = Float64Array.from(theta);
          const tm = Float64Array.from(theta);
          tp[p] += step;
          tm[p] -= step;
          const fd = (lik.evaluate(tp) - lik.evaluate(tm)) / (2 * step);
          close(grad[p], fd, 1e-6 * Math.max(1, Math.abs(fd)), `d=${d} ∂/∂θ${p}`);
        }
      }
    }
  });

  it('agrees with the direct formula −½rᵀK⁻¹r − ½log|K| − (n/2)log 2π', () => {
    const X = Float64Array.of(0.1, 0.4, 0.85);
    const y = Float64Array.of(0.3, -1.2, 0.5);
    const h = hyper([0.35], 1.3, 0.05, 0.1);
    const lik = new MarginalLikelihood(X, 3, 1, y);
    const K = maternKernelMatrix(X, 3, 1, h.lengthscales, h.outputscale, h.noise);
    // 3×3 inverse and determinant by cofactors.
    const [a, b, c, d0, e, f, g, hh, i] = K;
    const det = a * (e * i - f * hh) - b * (d0 * i - f * g) + c * (d0 * hh - e * g);
    const inv = [e * i - f * hh, c * hh - b * i, b * f - c * e, f * g - d0 * i, a * i - c * g, c * d0 - a * f, d0 * hh - e * g, b * g - a * hh, a * e - b * d0].map((v) => v / det);
    const r = Array.from(y, (v) => v - 0.1);
    let quad = 0;
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) quad += r[p] * inv[p * 3 + q] * r[q];
    const expected = -0.5 * quad - 0.5 * Math.log(det) - 1.5 * Math.log(2 * Math.PI);
    close(lik.evaluate(packHyperparameters(h)), expected, 1e-13, 'lml');
    const back = unpackHyperparameters(packHyperparameters(h), 1);
    close(back.lengthscales[0], 0.35, 1e-15, 'pack/unpack');
  });
});

describe('GP fit', () => {
  it('recovers the lengthscale ordering: a function of dim 0 only gets a much shorter ℓ₀', () => {
    const rng = new Rng(41);
    const n = 50;
    const d = 3;
    const X = randomInputs(n, d, rng);
    const y = new Float64Array(n).map((_, i) => Math.sin(6 * X[i * d]));
    const gp = GaussianProcess.fit(X, n, d, y);
    const [l0, l1, l2] = gp.hyper.lengthscales;
    assert.ok(l0 < 0.25 * Math.min(l1, l2), `ℓ = ${l0}, ${l1}, ${l2}`);
    assert.ok(gp.fitInfo.converged, 'gp.fitInfo.converged');
    assert.ok(gp.fitInfo.iterations > 0 && gp.fitInfo.starts === 1, 'gp.fitInfo.iterations > 0 && gp.fitInfo.starts === 1');
    // The fit beats the starting point.
    const atDefaults = GaussianProcess.withHyperparameters(X, n, d, y, defaultHyperparameters(d));
    assert.ok(gp.fitInfo.logMarginalLikelihood > atDefaults.fitInfo.logMarginalLikelihood + 10, 'gp.fitInfo.logMarginalLikelihood > atDefaults.fitInfo.logMarginalLikelihood + 10');
    close(gp.fitInfo.logMarginalLikelihood, gp.logMarginalLikelihood(), 1e-8, 'reported lml is the lml of the result');
    // Parameters respect their default boxes.
    for (const l of gp.hyper.lengthscales) assert.ok(l >= 0.005 && l <= 4, 'l >= 0.005 && l <= 4');
    assert.ok(gp.hyper.noise >= 1e-8 && gp.hyper.noise <= 1e-3, 'gp.hyper.noise >= 1e-8 && gp.hyper.noise <= 1e-3');
  });

  it('uses a warm start as an extra start and keeps the best', () => {
    const rng = new Rng(42);
    const n = 30;
    const d = 2;
    const X = randomInputs(n, d, rng);
    const y = new Float64Array(n).map((_, i) => Math.exp(-8 * ((X[i * d] - 0.5) ** 2 + (X[i * d + 1] - 0.3) ** 2)));
    const cold = GaussianProcess.fit(X, n, d, y);
    const warm = GaussianProcess.fit(X, n, d, y, { warmStart: cold.hyper });
    assert.equal(warm.fitInfo.starts, 2);
    assert.ok(warm.fitInfo.logMarginalLikelihood >= cold.fitInfo.logMarginalLikelihood - 1e-9, 'warm.fitInfo.logMarginalLikelihood >= cold.fitInfo.logMarginalLikelihood - 1e-9');
    // A deliberately bad warm start does not win: the default start reproduces the cold fit exactly.
    const badStart = hyper([0.005, 0.005], 50, 1e-3, 3);
    const bad = GaussianProcess.fit(X, n, d, y, { warmStart: badStart, maxIterations: 2 });
    const cold2 = GaussianProcess.fit(X, n, d, y, { maxIterations: 2 });
    assert.equal(bad.fitInfo.starts, 2);
    assert.ok(bad.fitInfo.logMarginalLikelihood >= cold2.fitInfo.logMarginalLikelihood, 'bad.fitInfo.logMarginalLikelihood >= cold2.fitInfo.logMarginalLikelihood');
    assert.ok(bad.fitInfo.logMarginalLikelihood > GaussianProcess.withHyperparameters(X, n, d, y, badStart).fitInfo.logMarginalLikelihood, 'bad.fitInfo.logMarginalLikelihood > GaussianProcess.withHyperparameters(X, n, d, y, badStart).fitInfo.logMarginalLikelihood');
  });

  it('supports random restarts and bounds checks', () => {
    const rng = new Rng(43);
    const X = randomInputs(10, 2, rng);
    const y = new Float64Array(10).map((_, i) => X[i * 2]);
    const gp = GaussianProcess.fit(X, 10, 2, y, { randomStarts: 2, rng: new Rng(7) });
    assert.equal(gp.fitInfo.starts, 3);
    assert.throws(() => fitHyperparameters(X, 10, 2, y, { randomStarts: 1 }), /randomStarts needs an rng/);
    assert.throws(() => fitHyperparameters(X, 10, 2, y, { lengthscaleBounds: [1, 0.5] }), /lengthscaleBounds must satisfy/);
  });

  it('fits transformed outputs and predicts on the model scale', () => {
    const rng = new Rng(44);
    const n = 25;
    const X = randomInputs(n, 1, rng);
    const y = new Float64Array(n).map((_, i) => 50 * (X[i] - 0.4) ** 3);
    const gpB = GaussianProcess.fit(X, n, 1, y, { transform: 'bilog' });
    const pB = gpB.predict(X, n);
    const ty = bilog(y);
    for (let i = 0; i < n; i++) {
      close(pB.mean[i], ty[i], 0.05, `bilog mean at ${i}`);
      assert.equal(Math.sign(gpB.toRawScale(Float64Array.of(pB.mean[i]))[0]), Math.sign(y[i]) || 0);
    }
    const gpC = GaussianProcess.fit(X, n, 1, y, { transform: 'copula' });
    const pC = gpC.predict(X, n);
    const order = Array.from(y.keys()).sort((a, b) => y[a] - y[b]);
    // Normal scores of 25 points lie within ±Φ⁻¹(25/26) ≈ ±1.77, and the fit preserves their order.
    for (let t = 1; t < n; t++) assert.ok(pC.mean[order[t]] > pC.mean[order[t - 1]] - 0.05, 'pC.mean[order[t]] > pC.mean[order[t - 1]] - 0.05');
    assert.ok(Math.abs(pC.mean[order[n - 1]] - 1.7688) < 0.05, 'Math.abs(pC.mean[order[n - 1]] - 1.7688) < 0.05');
    const raw = gpC.toRawScale(pC.mean);
    for (let i = 0; i < n; i++) close(raw[i], y[i], 0.05 * Math.max(1, Math.abs(y[i])), `copula back to raw ${i}`);
  });
});

describe('kriging believer', () => {
  const rng = new Rng(51);
  const n = 20;
  const d = 2;
  const X = randomInputs(n, d, rng);
  const y = new Float64Array(n).map((_, i) => Math.sin(4 * X[i * d]) * Math.cos(3 * X[i * d + 1]));
  const gp = GaussianProcess.withHyperparameters(X, n, d, y, hyper([0.1, 0.15], 1, 1e-6, 0));
  const pending = Float64Array.of(0.15, 0.85, 0.6, 0.4, 0.61, 0.41);
  const bel = gp.withPseudoObservations(pending, 3);
  const test = randomInputs(40, d, rng);

  it('collapses the variance at pending points and keeps the mean', () => {
    const before = gp.predict(pending, 3);
    const after = bel.predict(pending, 3);
    for (let t = 0; t < 3; t++) {
      assert.ok(before.variance[t] > 1e-2, `variance before ${before.variance[t]}`);
      assert.ok(after.variance[t] < 1e-5, `collapsed variance ${after.variance[t]}`);
      close(after.mean[t], before.mean[t], 1e-9, 'mean unchanged at pending');
    }
    const pb = gp.predict(test, 40);
    const pa = bel.predict(test, 40);
    for (let i = 0; i < 40; i++) {
      close(pa.mean[i], pb.mean[i], 1e-9, 'mean unchanged elsewhere');
      assert.ok(pa.variance[i] <= pb.variance[i] + 1e-12, 'variance never grows');
    }
    assert.equal(bel.n, n + 3);
    assert.equal(bel.hyper, gp.hyper, 'no refit');
    assert.equal(gp.withPseudoObservations(new Float64Array(0), 0), gp);
  });

  it('equals a full refactorisation of the augmented data (rank-k extension is exact)', () => {
    const h = hyper([0.3, 0.5], 1, 1e-6, 0.05);
    const ys = new Float64Array(n).map((_, i) => y[i] - 0.1);
    const post = buildPosterior(X, n, d, ys, h);
    const ext = conditionOnPseudoObservations(post, pending, 3);
    const pseudo = posteriorMeanVariance(post, pending, 3).mean;
    const Xa = new Float64Array((n + 3) * d);
    Xa.set(X);
    Xa.set(pending, n * d);
    const ya = new Float64Array(n + 3);
    ya.set(ys);
    ya.set(pseudo, n);
    const full = buildPosterior(Xa, n + 3, d, ya, h);
    const pe = posteriorMeanVariance(ext, test, 40);
    const pf = posteriorMeanVariance(full, test, 40);
    for (let i = 0; i < 40; i++) {
      close(pe.mean[i], pf.mean[i], 1e-8, 'mean');
      close(pe.variance[i], pf.variance[i], 1e-8, 'variance');
    }
  });
});
