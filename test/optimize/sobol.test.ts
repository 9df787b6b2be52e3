import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { SobolEngine } from '../../src/optimize/sobol.js';
import { SOBOL_DIRECTION_DATA, SOBOL_DIRECTION_DIMENSIONS } from '../../src/optimize/sobol-directions.js';
import { unpackJoeKuo } from '../../src/optimize/sobol-table.js';
import { Rng } from '../../src/util/rng.js';

const require = createRequire(import.meta.url);

interface OracleGenerator {
  nextVector(): number[];
}
// The `sobol` package (unscrambled Joe–Kuo, CommonJS, untyped). It computes in 20-bit fixed point (its 52-bit
// shifts wrap in JavaScript), which is exact for the first 2^20 points: compare only those.
const { SobolSequenceGenerator } = require('sobol') as { SobolSequenceGenerator: new (d: number) => OracleGenerator };

function scrambled(d: number, n: number, seed: number | string): Float64Array {
  return new SobolEngine(d, { scramble: true, rng: new Rng(seed) }).draw(n);
}

/** L2-star discrepancy of a 2-D projection (Warnock's formula). */
function l2Star(points: Float64Array, d: number, a: number, b: number): number {
  const n = points.length / d;
  let single = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    const xi = points[i * d + a];
    const yi = points[i * d + b];
    single += (1 - xi * xi) * (1 - yi * yi);
    for (let j = 0; j < n; j++) pairs += (1 - Math.max(xi, points[j * d + a])) * (1 - Math.max(yi, points[j * d + b]));
  }
  return Math.sqrt(1 / 9 - single / (2 * n) + pairs / (n * n));
}

describe('SobolEngine, unscrambled', () => {
  for (const [d, n] of [
    [1, 4096],
    [2, 4096],
    [10, 2048],
    [300, 512],
    [SobolEngine.maxDimension, 4096],
  ]) {
    it(`equals the sobol package's points (d = ${d}, first ${n})`, () => {
      const oracle = new SobolSequenceGenerator(d);
      const points = new SobolEngine(d).draw(n);
      for (let i = 0; i < n; i++) {
        const expected = oracle.nextVector();
        for (let j = 0; j < d; j++) {
          if (points[i * d + j] !== expected[j]) assert.fail(`point ${i}, dimension ${j}: ${points[i * d + j]} vs ${expected[j]}`);
        }
      }
    });
  }

  it('starts with the van der Corput sequence in dimension 1', () => {
    assert.deepEqual([...new SobolEngine(1).draw(8)], [0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125]);
  });

  it('carries the whole Joe–Kuo table for the supported dimensions', () => {
    assert.ok(SobolEngine.maxDimension >= 1000, 'SobolEngine.maxDimension >= 1000');
    assert.equal(SobolEngine.maxDimension, SOBOL_DIRECTION_DIMENSIONS);
    const lines = readFileSync(require.resolve('sobol/dims21201.txt'), 'utf8').split('\n').slice(1);
    const entries = unpackJoeKuo(SOBOL_DIRECTION_DATA, SOBOL_DIRECTION_DIMENSIONS - 1);
    entries.forEach((entry, e) => {
      const [dim, s, a, ...m] = lines[e].trim().split(/\s+/).map(Number);
      assert.equal(dim, e + 2);
      assert.deepEqual(entry, { s, a, m }, `dimension ${dim}`);
    });
  });

  it('continues the sequence across draw calls', () => {
    const whole = new SobolEngine(7).draw(300);
    const engine = new SobolEngine(7);
    const parts = [engine.draw(1), engine.draw(0), engine.draw(122), engine.draw(177)];
    assert.deepEqual([...parts.flatMap((p) => [...p])], [...whole]);
  });
});

describe('SobolEngine, scrambled', () => {
  it('keeps every coordinate in [0, 1)', () => {
    for (const points of [scrambled(50, 4096, 1), new SobolEngine(50).draw(4096)]) {
      for (const x of points) assert.ok(x >= 0 && x < 1, `${x}`);
    }
  });

  it('is balanced: each of the 2^k elementary intervals of every 1-D projection holds one of the first 2^k points', () => {
    const d = 40;
    for (const seed of [0, 1, 2]) {
      const points = scrambled(d, 1024, seed);
      for (let k = 1; k <= 10; k++) {
        const n = 2 ** k;
        for (let j = 0; j < d; j++) {
          const seen = new Uint8Array(n);
          for (let i = 0; i < n; i++) seen[Math.floor(points[i * d + j] * n)]++;
          assert.ok(seen.every((c) => c === 1), `seed ${seed}, k = ${k}, dimension ${j}`);
        }
      }
    }
  });

  it('keeps the (0, m, 2)-net property of the first two dimensions', () => {
    const m = 10;
    const points = scrambled(2, 2 ** m, 'net');
    for (let a = 0; a <= m; a++) {
      const counts = new Uint16Array(2 ** m);
      for (let i = 0; i < 2 ** m; i++) {
        const cell = Math.floor(points[2 * i] * 2 ** a) * 2 ** (m - a) + Math.floor(points[2 * i + 1] * 2 ** (m - a));
        counts[cell]++;
      }
      assert.ok(counts.every((c) => c === 1), `boxes 2^-${a} x 2^-${m - a}`);
    }
  });

  it('has 2-D projections of much lower discrepancy than random points', () => {
    const d = 6;
    const n = 512;
    const rng = new Rng('random points');
    for (const seed of [3, 4]) {
      const sobol = scrambled(d, n, seed);
      const random = Float64Array.from({ length: n * d }, () => rng.random());
      for (let a = 0; a < d; a++) {
        for (let b = a + 1; b < d; b++) {
          const qmc = l2Star(sobol, d, a, b);
          const mc = l2Star(random, d, a, b);
          assert.ok(qmc < 0.5 * mc, `seed ${seed}, dimensions ${a}-${b}: ${qmc} vs random ${mc}`);
        }
      }
    }
  });

  it('depends on the seed only', () => {
    assert.deepEqual(scrambled(18, 64, 'a'), scrambled(18, 64, 'a'));
    const other = scrambled(18, 64, 'b');
    const first = scrambled(18, 64, 'a');
    assert.ok(first.some((x, i) => x !== other[i]), 'first.some((x, i) => x !== other[i])');
    assert.notDeepEqual([...first.subarray(0, 18)], new Array(18).fill(0), 'the first point is the random shift');
  });

  it('has per-dimension means close to 1/2', () => {
    const d = 300;
    const n = 1024;
    const points = scrambled(d, n, 'means');
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += points[i * d + j];
      assert.ok(Math.abs(sum / n - 0.5) < 0.01, `dimension ${j}: mean ${sum / n}`);
    }
  });

  it('fills a caller buffer with the same points', () => {
    const buffer = new Float64Array(5 * 100 + 3).fill(-1);
    const filled = new SobolEngine(5, { scramble: true, rng: new Rng(9) }).draw(100, buffer);
    assert.equal(filled, buffer);
    assert.deepEqual([...buffer.subarray(0, 500)], [...scrambled(5, 100, 9)]);
    assert.deepEqual([...buffer.subarray(500)], [-1, -1, -1]);
    assert.throws(() => new SobolEngine(5).draw(101, buffer), /out holds 503 numbers, needs 505/);
  });
});

describe('SobolEngine errors', () => {
  it('rejects dimensions outside [1, maxDimension]', () => {
    for (const d of [0, -1, 1.5, SobolEngine.maxDimension + 1, Number.NaN]) {
      assert.throws(() => new SobolEngine(d), /dimension must be an integer in \[1, \d+\]/);
    }
  });

  it('needs an rng to scramble and a valid point count', () => {
    assert.throws(() => new SobolEngine(3, { scramble: true }), /scramble needs an rng/);
    assert.throws(() => new SobolEngine(3).draw(-1), /non-negative integer/);
  });
});
