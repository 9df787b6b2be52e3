import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchSpace } from '../../src/space/space.js';
import type { ParameterSpec } from '../../src/space/types.js';
import { Rng } from '../../src/util/rng.js';

const N = 20000;

function draws(spec: ParameterSpec, seed: string): number[] {
  const space = SearchSpace.from([spec]);
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => space.sample(rng)[spec.name] as number);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('samplers (system.md §3.5)', () => {
  it('uniform floats: mean ≈ midpoint, inside [lo, hi]', () => {
    const v = draws({ name: 'x', type: 'float', low: -5, high: 10 }, 'U');
    assert.ok(v.every((x) => x >= -5 && x <= 10));
    assert.ok(Math.abs(mean(v) - 2.5) < 0.15, `${mean(v)}`);
  });

  it('log-uniform floats: median ≈ geometric mean, log evenly spread', () => {
    const lo = 1e-4;
    const hi = 1e-2;
    const v = draws({ name: 'x', type: 'float', low: lo, high: hi, sampler: 'loguniform' }, 'LU');
    assert.ok(v.every((x) => x >= lo && x <= hi));
    const geometric = Math.sqrt(lo * hi);
    assert.ok(Math.abs(median(v) / geometric - 1) < 0.05, `median ${median(v)} vs ${geometric}`);
    // A quarter of the draws in each quarter of [ln lo, ln hi].
    const quarter = v.filter((x) => x < lo * Math.pow(hi / lo, 0.25)).length / N;
    assert.ok(Math.abs(quarter - 0.25) < 0.02, `${quarter}`);
  });

  it('log: true implies the log-uniform sampler; an explicit sampler overrides it', () => {
    const implied = draws({ name: 'x', type: 'float', low: 1, high: 1e4, log: true }, 'log');
    assert.ok(Math.abs(median(implied) / 100 - 1) < 0.1, `${median(implied)}`);
    const uniform = draws({ name: 'x', type: 'float', low: 1, high: 1e4, log: true, sampler: 'uniform' }, 'log-U');
    assert.ok(Math.abs(median(uniform) - 5000) < 200, `${median(uniform)}`);
  });

  it('reverse log-uniform floats concentrate near hi: hi + lo − LU(lo, hi)', () => {
    const lo = 0.001;
    const hi = 0.5;
    const v = draws({ name: 'x', type: 'float', low: lo, high: hi, sampler: 'reverse-loguniform' }, 'rLU');
    assert.ok(v.every((x) => x >= lo && x <= hi));
    const expectedMedian = hi + lo - Math.sqrt(lo * hi);
    assert.ok(Math.abs(median(v) - expectedMedian) < 0.01, `median ${median(v)} vs ${expectedMedian}`);
    assert.ok(v.filter((x) => x > (lo + hi) / 2).length / N > 0.85, 'most mass in the upper half');
  });

  it('uniform integers cover lo and hi evenly', () => {
    const v = draws({ name: 'n', type: 'int', low: 1, high: 8 }, 'int U');
    for (let k = 1; k <= 8; k++) {
      const share = v.filter((x) => x === k).length / N;
      assert.ok(Math.abs(share - 1 / 8) < 0.01, `${k}: ${share}`);
    }
    assert.ok(v.every((x) => Number.isInteger(x) && x >= 1 && x <= 8));
  });

  it('log-uniform integers: P(v) = ln((v + 1)/v)/ln((hi + 1)/lo), lo and hi reached', () => {
    const v = draws({ name: 'n', type: 'int', low: 1, high: 15, sampler: 'loguniform' }, 'int LU');
    assert.ok(v.every((x) => Number.isInteger(x) && x >= 1 && x <= 15));
    for (const k of [1, 2, 15]) {
      const expected = Math.log((k + 1) / k) / Math.log(16);
      const share = v.filter((x) => x === k).length / N;
      assert.ok(Math.abs(share - expected) < 0.01, `${k}: ${share} vs ${expected}`);
    }
  });

  it('discrete reverse log-uniform integers concentrate near hi, clamped to hi', () => {
    const v = draws({ name: 'batch', type: 'int', low: 1, high: 50, sampler: 'reverse-loguniform' }, 'drLU');
    assert.ok(v.every((x) => Number.isInteger(x) && x >= 1 && x <= 50));
    assert.ok(v.includes(50));
    // Without the clamp hi + 1 = 51 would take P(LU(1, 51) < 1.5) = ln 1.5 / ln 51 ≈ 10 % of the draws.
    const atHigh = v.filter((x) => x === 50).length / N;
    const expected = Math.log(2.5) / Math.log(51); // round(51 + 1 − LU) ≥ 50  ⇔  LU < 2.5
    assert.ok(Math.abs(atHigh - expected) < 0.015, `${atHigh} vs ${expected}`);
    assert.ok(median(v) > 40);
  });

  it('categoricals: every choice about equally often; constants: always the value', () => {
    const space = SearchSpace.from([
      { name: 'c', type: 'categorical', choices: ['a', 'b', 'c'] },
      { name: 'k', type: 'constant', value: true },
    ]);
    const rng = new Rng('cat');
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < N; i++) {
      const p = space.sample(rng);
      counts[p.c as string]++;
      assert.equal(p.k, true);
    }
    for (const c of ['a', 'b', 'c']) assert.ok(Math.abs(counts[c] / N - 1 / 3) < 0.015, `${c}: ${counts[c]}`);
  });

  it('sampleUnit = encode(sample) and is reproducible from the seed', () => {
    const space = SearchSpace.from([
      { name: 'lr', type: 'float', low: 1e-3, high: 0.1, sampler: 'loguniform' },
      { name: 'n', type: 'int', low: 1, high: 50, sampler: 'reverse-loguniform' },
      { name: 'c', type: 'categorical', choices: ['rate', 'max'] },
    ]);
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 100; i++) {
      const u = space.sampleUnit(a);
      assert.deepEqual([...u], [...space.encode(space.sample(b))]);
      assert.ok(u.every((x) => x >= 0 && x <= 1));
    }
  });

  it('shapes random points only: with linear geometry the cube point of a log-uniform draw is not uniform', () => {
    const space = SearchSpace.from([{ name: 'lr', type: 'float', low: 1e-3, high: 1, sampler: 'loguniform' }]);
    const rng = new Rng('geometry');
    const u = Array.from({ length: N }, () => space.sampleUnit(rng)[0]);
    assert.ok(median(u) < 0.05, `${median(u)}`);
  });
});
