import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/util/rng.js';
import { normalCdf, normalQuantile } from '../../src/optimize/gp/normal.js';
import {
  applyOutputTransform,
  averageRanks,
  bilog,
  bilogInverse,
  copulaScores,
  CopulaTransform,
  standardization,
  standardize,
  unstandardize,
} from '../../src/optimize/gp/transforms.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

describe('Standardize', () => {
  it('uses the unbiased standard deviation and round-trips', () => {
    const y = Float64Array.of(1, 2, 3, 4);
    const s = standardization(y);
    close(s.mean, 2.5, 1e-15);
    close(s.std, Math.sqrt(5 / 3), 1e-15, 'std');
    const z = standardize(y, s);
    const zs = standardization(z);
    close(zs.mean, 0, 1e-15);
    close(zs.std, 1, 1e-15);
    const back = unstandardize(z, s);
    for (let i = 0; i < 4; i++) close(back[i], y[i], 1e-14);
  });

  it('falls back to std 1 for constant data, n = 1 and n = 0', () => {
    assert.deepEqual(standardization(Float64Array.of(3, 3, 3)), { mean: 3, std: 1 });
    assert.deepEqual(standardization(Float64Array.of(7)), { mean: 7, std: 1 });
    assert.deepEqual(standardization(new Float64Array(0)), { mean: 0, std: 1 });
    const tiny = standardization(Float64Array.of(1, 1 + 1e-9));
    assert.equal(tiny.std, 1);
  });
});

describe('Bilog', () => {
  it('keeps the sign, fixes 0, flattens outliers and round-trips', () => {
    const y = Float64Array.of(-1e6, -100, -1, -1e-12, 0, 1e-12, 0.5, 1, 100, 1e6);
    const z = bilog(y);
    for (let i = 0; i < y.length; i++) assert.equal(Math.sign(z[i]), Math.sign(y[i]));
    assert.equal(z[4], 0);
    close(z[8], Math.log(101), 1e-14, 'bilog(100)'); // ≈ 4.615, the failure-value example of the spec
    for (let i = 1; i < y.length; i++) assert.ok(z[i] > z[i - 1], 'strictly increasing');
    const back = bilogInverse(z);
    for (let i = 0; i < y.length; i++) close(back[i], y[i], 1e-12 * Math.max(1, Math.abs(y[i])), `round trip ${y[i]}`);
    // Tiny values keep their relative precision (log1p/expm1).
    close(back[5] / 1e-12, 1, 1e-12);
  });
});

describe('Gaussian copula', () => {
  it('gives average ranks to ties', () => {
    assert.deepEqual(Array.from(averageRanks(Float64Array.of(5, 1, 5, 3))), [3.5, 1, 3.5, 2]);
    assert.deepEqual(Array.from(averageRanks(Float64Array.of(2, 2, 2))), [2, 2, 2]);
  });

  it('maps ranks r to Φ⁻¹(r/(n + 1))', () => {
    const z = copulaScores(Float64Array.of(10, -3, 4));
    close(z[0], 0.6744897501960817, 1e-14); // u = 3/4
    close(z[1], -0.6744897501960817, 1e-14); // u = 1/4
    close(z[2], 0, 1e-15); // u = 1/2
  });

  it('is monotone, symmetric, and equal on ties', () => {
    const rng = new Rng(11);
    const y = new Float64Array(200).map(() => Math.exp(3 * rng.normal())); // heavy tailed
    y[17] = y[3];
    const z = copulaScores(y);
    for (let i = 0; i < y.length; i++) {
      for (let j = 0; j < y.length; j++) {
        if (y[i] < y[j]) assert.ok(z[i] < z[j], 'z[i] < z[j]');
        if (y[i] === y[j]) assert.equal(z[i], z[j]);
      }
    }
    // Without ties the scores are symmetric about 0 (ranks r and n + 1 − r).
    const distinct = copulaScores(y.slice(0, 17));
    const sorted = Array.from(distinct).sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i++) close(sorted[i], -sorted[sorted.length - 1 - i], 1e-12, 'symmetry');
  });

  it('round-trips through CopulaTransform and clamps outside the data', () => {
    const y = Float64Array.of(3, -1, 10, 2.5, 100, 3);
    const t = CopulaTransform.fit(y);
    const z = t.forward(y);
    assert.deepEqual(Array.from(z), Array.from(copulaScores(y)));
    const back = t.inverse(z);
    for (let i = 0; i < y.length; i++) close(back[i], y[i], 1e-12);
    const mid = t.forward(Float64Array.of(6.25))[0]; // between the knots 3 and 10
    assert.ok(mid > t.forward(Float64Array.of(3))[0] && mid < t.forward(Float64Array.of(10))[0], 'mid > t.forward(Float64Array.of(3))[0] && mid < t.forward(Float64Array.of(10))[0]');
    close(t.inverse(Float64Array.of(mid))[0], 6.25, 1e-12, 'interpolated round trip');
    assert.equal(t.inverse(Float64Array.of(50))[0], 100);
    assert.equal(t.inverse(Float64Array.of(-50))[0], -1);
  });

  it('applyOutputTransform dispatches', () => {
    const y = Float64Array.of(-2, 0, 5);
    assert.deepEqual(applyOutputTransform('none', y), y);
    assert.deepEqual(applyOutputTransform('bilog', y), bilog(y));
    assert.deepEqual(applyOutputTransform('copula', y), copulaScores(y));
    assert.throws(() => applyOutputTransform('bogus' as never, y), /Unknown output transform 'bogus'/);
  });
});

describe('normal distribution', () => {
  it('quantile matches reference values to ~1e-15', () => {
    const refs: [number, number][] = [
      [0.5, 0],
      [0.975, 1.959963984540054],
      [0.95, 1.6448536269514722],
      [0.99, 2.3263478740408408],
      [0.999, 3.090232306167813],
      [0.025, -1.959963984540054],
      [1e-10, -6.361340902404056],
    ];
    for (const [p, q] of refs) close(normalQuantile(p), q, 4e-15 * Math.max(1, Math.abs(q)), `Φ⁻¹(${p})`);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.throws(() => normalQuantile(1.5), /probability must be in \[0, 1\]/);
  });

  it('Φ(Φ⁻¹(p)) = p across the range, tails included', () => {
    for (let i = 1; i < 1000; i++) {
      const p = i / 1000;
      close(normalCdf(normalQuantile(p)), p, 1e-15 + 1e-13 * p);
    }
    for (const p of [1e-300, 1e-100, 1e-20, 1e-5]) close(normalCdf(normalQuantile(p)) / p, 1, 1e-12, `tail ${p}`);
  });
});
