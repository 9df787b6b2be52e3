import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchSpace } from '../../src/space/space.js';
import type { ParameterSpec } from '../../src/space/types.js';
import { UserError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const issueExample: ParameterSpec[] = [
  { name: 'x0', type: 'float', low: -5, high: 10 },
  { name: 'n', type: 'int', low: 1, high: 8 },
  { name: 'dec', type: 'categorical', choices: ['all', 'vote'] },
];

/** One of every kind, including log geometry and a constant in the middle. */
const mixed = SearchSpace.from([
  { name: 'lr', type: 'float', low: 1e-4, high: 1e-1, log: true },
  { name: 'strength', type: 'float', low: 0, high: 500, sampler: 'uniform' },
  { name: 'epochs', type: 'int', low: 1, high: 3 },
  { name: 'seed', type: 'constant', value: 'fixed' },
  { name: 'batch', type: 'int', low: 1, high: 50, log: true },
  { name: 'refrac', type: 'int', low: -3, high: 20 },
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', 2, true] },
]);

/** Asserts that every decoded value lies in its parameter's domain. */
function assertInSpace(space: SearchSpace, point: Record<string, unknown>): void {
  for (const p of space.parameters) {
    const v = point[p.name];
    if (p.type === 'float') assert.ok(typeof v === 'number' && v >= p.low && v <= p.high, `${p.name} = ${v}`);
    if (p.type === 'int') assert.ok(Number.isInteger(v) && (v as number) >= p.low && (v as number) <= p.high, `${p.name} = ${v}`);
    if (p.type === 'categorical') assert.ok(p.choices.includes(v as never), `${p.name} = ${v}`);
    if (p.type === 'constant') assert.equal(v, p.value);
  }
}

describe('SearchSpace basics', () => {
  it("accepts the issue's example array", () => {
    const space = SearchSpace.from(issueExample);
    assert.equal(space.dimension, 3);
    assert.deepEqual(space.names, ['x0', 'n', 'dec']);
    assert.deepEqual(space.decode([0.5, 0.5, 0.5]), { x0: 2.5, n: 5, dec: 'vote' });
    assert.deepEqual([...space.encode({ x0: -5, n: 1, dec: 'all' })], [0, 0.5 / 8, 0.25]);
    assert.equal(space.isContinuous(), false);
    assert.equal(SearchSpace.from([issueExample[0]]).isContinuous(), true);
  });

  it('keeps constants out of the cube but in decoded points', () => {
    assert.equal(mixed.dimension, 6);
    assert.deepEqual(mixed.dimensionNames, ['lr', 'strength', 'epochs', 'batch', 'refrac', 'decoder']);
    assert.equal(mixed.names.length, 7);
    assert.equal(mixed.decode(new Float64Array(6).fill(0.3)).seed, 'fixed');
  });

  it('resolves defaults and round-trips through toJSON', () => {
    const [lr, strength, epochs] = mixed.parameters;
    assert.deepEqual(lr, { name: 'lr', type: 'float', low: 1e-4, high: 1e-1, log: true, sampler: 'loguniform' });
    assert.deepEqual(strength, { name: 'strength', type: 'float', low: 0, high: 500, log: false, sampler: 'uniform' });
    assert.deepEqual(epochs, { name: 'epochs', type: 'int', low: 1, high: 3, log: false, sampler: 'uniform' });
    const json = JSON.parse(JSON.stringify(mixed));
    assert.deepEqual(SearchSpace.from(json).parameters, mixed.parameters);
  });

  it('accepts the map form', () => {
    const space = SearchSpace.from({ x0: { type: 'float', low: -5, high: 10 }, n: { type: 'int', low: 1, high: 8 } });
    assert.deepEqual(space.names, ['x0', 'n']);
    assert.deepEqual(space.decode([1, 1]), { x0: 10, n: 8 });
  });
});

describe('encoding (scbo.md §2, default column)', () => {
  it('encodes floats linearly or in log space', () => {
    const space = SearchSpace.from([
      { name: 'a', type: 'float', low: -5, high: 10 },
      { name: 'b', type: 'float', low: 1e-3, high: 10, log: true },
    ]);
    const u = space.encode({ a: 0, b: 0.1 });
    assert.equal(u[0], 1 / 3);
    assert.ok(Math.abs(u[1] - 0.5) < 1e-12);
    const back = space.decode([0.5, 0.5]);
    assert.equal(back.a, 2.5);
    assert.ok(Math.abs((back.b as number) - 0.1) < 1e-12);
  });

  it('encodes integers to cell centres and decodes min(hi, lo + floor(u·(hi − lo + 1)))', () => {
    const space = SearchSpace.from([{ name: 'n', type: 'int', low: 1, high: 8 }]);
    for (let v = 1; v <= 8; v++) {
      assert.equal(space.encode({ n: v })[0], (v - 1 + 0.5) / 8);
      assert.equal(space.decode([(v - 1) / 8]).n, v, 'left edge of the cell');
      assert.equal(space.decode([(v - 1 + 0.999) / 8]).n, v, 'right end of the cell');
    }
    assert.equal(space.decode([1]).n, 8);
  });

  it('encodes categoricals to (k + 0.5)/n and decodes choices[min(floor(u·n), n − 1)]', () => {
    const space = SearchSpace.from([{ name: 'c', type: 'categorical', choices: ['a', 'b', 'c', 'd'] }]);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((c) => space.encode({ c })[0]),
      [0.125, 0.375, 0.625, 0.875],
    );
    assert.deepEqual([0, 0.2499, 0.25, 0.74, 0.75, 1].map((u) => space.decode([u]).c), ['a', 'a', 'b', 'c', 'd', 'd']);
  });

  it('decodes log integers within [lo, hi] and round-trips every value', () => {
    const space = SearchSpace.from([{ name: 'b', type: 'int', low: 1, high: 50, log: true }]);
    for (let v = 1; v <= 50; v++) assert.equal(space.decode(space.encode({ b: v })).b, v);
    assert.equal(space.decode([0]).b, 1);
    assert.equal(space.decode([1]).b, 50);
    // Log geometry: the lower half of the cube maps to [1, sqrt(51) ≈ 7.14).
    assert.equal(space.decode([0.49]).b, 6);
    assert.equal(space.decode([0.5]).b, 7);
  });

  it('round-trips every value: decode(encode(v)) = v', () => {
    const rng = new Rng('round trip');
    for (let i = 0; i < 2000; i++) {
      const point = mixed.sample(rng);
      const back = mixed.decode(mixed.encode(point));
      for (const name of mixed.names) {
        const a = point[name];
        const b = back[name];
        if (typeof a === 'number' && !Number.isInteger(a)) assert.ok(Math.abs(a - (b as number)) <= 1e-12 * Math.abs(a), name);
        else assert.equal(b, a, name);
      }
    }
  });

  it('makes canonical(u) = encode(decode(u)) a fixed point', () => {
    const rng = new Rng('canonical');
    for (let i = 0; i < 1000; i++) {
      const u = Float64Array.from({ length: mixed.dimension }, () => rng.random());
      const c = mixed.canonical(u);
      assert.deepEqual(mixed.decode(c), mixed.decode(u));
      const cc = mixed.canonical(c);
      c.forEach((x, k) => assert.ok(Math.abs(x - cc[k]) < 1e-12));
    }
  });
});

describe('decoding never leaves the space', () => {
  const edges = [0, 1, -1e-12, 1 + 1e-12, -3, 7, Number.EPSILON, 1 - Number.EPSILON, Infinity, -Infinity];
  it('holds at u = 0, u = 1 and slightly outside [0, 1]', () => {
    for (const e of edges) assertInSpace(mixed, mixed.decode(new Array(mixed.dimension).fill(e)));
    assert.equal(mixed.decode(new Array(6).fill(1.5)).epochs, 3);
    assert.equal(mixed.decode(new Array(6).fill(-0.5)).refrac, -3);
  });

  it('holds for many random u, including far outside the cube', () => {
    const rng = new Rng('bounds');
    for (let i = 0; i < 5000; i++) {
      const u = Array.from({ length: mixed.dimension }, () => rng.uniform(-0.5, 1.5));
      assertInSpace(mixed, mixed.decode(u));
    }
  });

  it('hits the exact bounds at the cube corners', () => {
    const space = SearchSpace.from([
      { name: 'a', type: 'float', low: 0.1, high: 0.7 },
      { name: 'b', type: 'float', low: 3e-5, high: 0.3, log: true },
    ]);
    assert.deepEqual(space.decode([0, 0]), { a: 0.1, b: 3e-5 });
    assert.deepEqual(space.decode([1, 1]), { a: 0.7, b: 0.3 });
  });

  it('rejects NaN coordinates and wrong lengths (programming errors)', () => {
    assert.throws(() => mixed.decode([Number.NaN, 0, 0, 0, 0, 0]), RangeError);
    assert.throws(() => mixed.decode([0, 0]), /expected 6 coordinates, got 2/);
  });
});

describe('faithfulIntegerDecoding (system.md Q8, log replay)', () => {
  const faithful = SearchSpace.from([{ name: 'batch', type: 'int', low: 1, high: 5 }], undefined, { faithfulIntegerDecoding: true });

  it("reproduces the reference's trunc(u·(hi + 1 − lo) + lo), which gives hi + 1 at u = 1", () => {
    assert.equal(faithful.decode([1]).batch, 6);
    assert.equal(faithful.decode([0]).batch, 1);
    assert.equal(faithful.decode([0.5]).batch, 3);
    assert.equal(faithful.decode([0.99]).batch, 5);
    const negative = SearchSpace.from([{ name: 'v', type: 'int', low: -3, high: 2 }], undefined, { faithfulIntegerDecoding: true });
    // trunc rounds towards zero: u·6 − 3 = −2.4 gives −2 (floor would give −3).
    assert.equal(negative.decode([0.1]).v, -2);
    assert.equal(negative.decode([1]).v, 3);
  });

  it('accepts and re-encodes hi + 1, and keeps canonical(u) stable', () => {
    assert.equal(faithful.encode({ batch: 6 })[0], 1);
    assert.deepEqual(faithful.validateValues({ batch: 6 }), { batch: 6 });
    const negative = SearchSpace.from([{ name: 'v', type: 'int', low: -3, high: 2 }], undefined, { faithfulIntegerDecoding: true });
    for (let v = -3; v <= 3; v++) assert.equal(negative.decode(negative.encode({ v })).v, v);
  });

  it('lets the discrete reverse log-uniform sampler reach hi + 1', () => {
    const spec = [{ name: 'batch', type: 'int', low: 1, high: 5, sampler: 'reverse-loguniform' }];
    const rng = new Rng('drLU');
    const faithfulSpace = SearchSpace.from(spec, undefined, { faithfulIntegerDecoding: true });
    const draws = Array.from({ length: 2000 }, () => faithfulSpace.sample(rng).batch as number);
    assert.ok(draws.includes(6));
    const clamped = SearchSpace.from(spec);
    assert.ok(Array.from({ length: 2000 }, () => clamped.sample(rng).batch as number).every((v) => v >= 1 && v <= 5));
  });

  it('is off by default', () => {
    const space = SearchSpace.from([{ name: 'batch', type: 'int', low: 1, high: 5 }]);
    assert.equal(space.decode([1]).batch, 5);
    assert.throws(() => space.validateValues({ batch: 6 }), /must be an integer in \[1, 5\], got 6/);
  });
});

describe('points from users', () => {
  const space = SearchSpace.from([...issueExample, { name: 'k', type: 'constant', value: 4 }]);

  it('fills in constants and accepts valid points', () => {
    assert.deepEqual(space.validateValues({ x0: 1.5, n: 8, dec: 'all' }), { x0: 1.5, n: 8, dec: 'all', k: 4 });
    assert.deepEqual(space.validateValues({ x0: 1.5, n: 8, dec: 'all', k: 4 }), { x0: 1.5, n: 8, dec: 'all', k: 4 });
  });

  const cases: [unknown, RegExp][] = [
    [{ x0: 11, n: 1, dec: 'all' }, /^In the given point, parameter 'x0' \(index 0\) must be a number in \[-5, 10\], got 11\.$/],
    [{ x0: '1', n: 1, dec: 'all' }, /parameter 'x0' \(index 0\) must be a number in \[-5, 10\], got "1"/],
    [{ x0: 1, n: 2.5, dec: 'all' }, /parameter 'n' \(index 1\) must be an integer in \[1, 8\], got 2\.5/],
    [{ x0: 1, n: 0, dec: 'all' }, /parameter 'n' \(index 1\) must be an integer in \[1, 8\], got 0/],
    [{ x0: 1, n: 1, dec: 'max' }, /parameter 'dec' \(index 2\) must be one of "all", "vote", got "max"/],
    [{ x0: 1, n: 1 }, /parameter 'dec' \(index 2\) is missing/],
    [{ x0: 1, n: 1, dec: 'all', k: 5 }, /parameter 'k' \(index 3\) is the constant 4/],
    [{ x0: 1, n: 1, dec: 'all', typo: 1 }, /unknown parameter 'typo'; the space has x0, n, dec, k/],
    [[1, 2, 3], /must be an object mapping parameter names to values/],
  ];
  for (const [point, message] of cases) {
    it(`rejects ${JSON.stringify(point)} with a clear UserError`, () => {
      assert.throws(() => space.validateValues(point), (err: unknown) => err instanceof UserError && message.test(err.message));
      assert.throws(() => space.encode(point as Record<string, unknown>), UserError);
    });
  }

  it('names the point in the message when told what it is', () => {
    assert.throws(
      () => space.validateValues({ x0: 1, n: 1 }, 'the starting point in study.yaml'),
      (err: unknown) => err instanceof UserError && /^In the starting point in study\.yaml, parameter 'dec'/.test(err.message),
    );
  });
});

describe('key', () => {
  it('is equal for equal configurations and different otherwise', () => {
    const space = SearchSpace.from([...issueExample, { name: 'flag', type: 'categorical', choices: ['1', 1, true] }]);
    const a = { x0: 0.1, n: 3, dec: 'all', flag: 1 };
    assert.equal(space.key(a), space.key({ flag: 1, dec: 'all', n: 3, x0: 0.1 }), 'key order does not matter');
    assert.notEqual(space.key(a), space.key({ ...a, flag: '1' }), 'the string "1" is not the number 1');
    assert.notEqual(space.key(a), space.key({ ...a, flag: true }));
    assert.notEqual(space.key(a), space.key({ ...a, x0: 0.1 + 1e-15 }));
    // Two cube points in the same integer/categorical cells are one configuration.
    assert.equal(space.key(space.decode([0.5, 0.30, 0.1, 0.5])), space.key(space.decode([0.5, 0.32, 0.2, 0.6])));
  });
});
