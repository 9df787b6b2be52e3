import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchSpace } from '../../src/space/space.js';
import { UserError } from '../../src/util/errors.js';

const ok = { name: 'x0', type: 'float', low: -5, high: 10 };

/** Asserts a one-sentence UserError that matches every pattern. */
function rejects(spec: unknown, ...patterns: RegExp[]): void {
  assert.throws(
    () => SearchSpace.from(spec, 'space.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof UserError, `not a UserError: ${err}`);
      assert.match(err.message, /^[A-Z].*\.$/, 'one sentence');
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /space\.yaml/, 'names the file');
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

describe('search-space validation: each message names the parameter by name and index', () => {
  const cases: [string, unknown[], RegExp[]][] = [
    ['low = high', [ok, { name: 'lr', type: 'float', low: 1, high: 1 }], [/parameter 'lr' \(index 1\)/, /low < high, got low = 1 and high = 1/]],
    ['low > high (int)', [{ name: 'n', type: 'int', low: 8, high: 1 }], [/parameter 'n' \(index 0\)/, /low < high/]],
    ['log with low = 0', [{ name: 'lr', type: 'float', low: 0, high: 1, log: true }], [/parameter 'lr' \(index 0\)/, /log: true, so it needs low > 0, got low = 0/]],
    ['log int with low < 0', [{ name: 'n', type: 'int', low: -2, high: 4, log: true }], [/parameter 'n'/, /needs low > 0/]],
    ['log sampler with low <= 0', [{ name: 'w', type: 'float', low: -1, high: 1, sampler: 'reverse-loguniform' }], [/parameter 'w'/, /'reverse-loguniform' sampler, so it needs low > 0/]],
    ['empty choices', [ok, { name: 'dec', type: 'categorical', choices: [] }], [/parameter 'dec' \(index 1\)/, /at least one entry in 'choices'/]],
    ['duplicate choices', [{ name: 'dec', type: 'categorical', choices: ['all', 'vote', 'all'] }], [/parameter 'dec' \(index 0\)/, /lists the choice "all" more than once/]],
    ['invalid choice', [{ name: 'dec', type: 'categorical', choices: ['all', null] }], [/parameter 'dec'/, /choices\[1\] = null, expected a string, a finite number or a boolean/]],
    ['choices not a list', [{ name: 'dec', type: 'categorical', choices: 'all' }], [/parameter 'dec'/, /expected a list/]],
    ['unknown type', [ok, { ...ok, name: 'x1' }, { name: 'q', type: 'floatt', low: 0, high: 1 }], [/parameter 'q' \(index 2\)/, /unknown type "floatt"; expected one of float, int, categorical, constant/]],
    ['missing type', [{ name: 'q', low: 0, high: 1 }], [/parameter 'q' \(index 0\)/, /missing 'type'/]],
    ['duplicate name', [ok, { name: 'n', type: 'int', low: 1, high: 2 }, ok], [/parameter 'x0' \(index 2\)/, /repeats the name of the parameter at index 0/]],
    ['missing number', [{ name: 'lr', type: 'float', high: 1 }], [/parameter 'lr' \(index 0\)/, /missing 'low' \(expected a finite number\)/]],
    ['non-finite number', [{ name: 'lr', type: 'float', low: 0, high: Infinity }], [/parameter 'lr'/, /high = Infinity, expected a finite number/]],
    ['NaN', [{ name: 'lr', type: 'float', low: Number.NaN, high: 1 }], [/parameter 'lr'/, /low = NaN, expected a finite number/]],
    ['number as string', [{ name: 'lr', type: 'float', low: '1e-3', high: 1 }], [/parameter 'lr'/, /low = "1e-3", expected a finite number/]],
    ['non-integer int bounds', [{ name: 'n', type: 'int', low: 1, high: 7.5 }], [/parameter 'n' \(index 0\)/, /integer bounds, got low = 1 and high = 7\.5/]],
    ['unknown sampler', [{ name: 'lr', type: 'float', low: 1, high: 2, sampler: 'log' }], [/parameter 'lr'/, /sampler = "log", expected one of uniform, loguniform, reverse-loguniform/]],
    ['non-boolean log', [{ name: 'lr', type: 'float', low: 1, high: 2, log: 'yes' }], [/parameter 'lr'/, /log = "yes", expected true or false/]],
    ['unknown field', [{ name: 'lr', type: 'float', low: 1, high: 2, lower: 0 }], [/parameter 'lr'/, /unknown field 'lower' \(allowed: name, type, low, high, log, sampler\)/]],
    ['constant without value', [ok, { name: 'k', type: 'constant' }], [/parameter 'k' \(index 1\)/, /missing 'value'/]],
    ['missing name', [ok, { type: 'float', low: 0, high: 1 }], [/the parameter at index 1/, /non-empty string 'name'/]],
    ['blank name', [{ name: ' ', type: 'float', low: 0, high: 1 }], [/the parameter at index 0/, /non-empty string 'name', got " "/]],
    ['parameter not an object', [ok, 'lr'], [/the parameter at index 1 must be an object/]],
  ];
  for (const [label, spec, patterns] of cases) it(label, () => rejects(spec, ...patterns));
});

describe('search-space validation: the whole space', () => {
  it('rejects an empty space', () => {
    rejects([], /has no parameters/);
    rejects({}, /has no parameters/);
  });

  it('rejects a space of constants only', () => rejects([{ name: 'k', type: 'constant', value: 1 }], /only constant parameters/));

  it('rejects other top-level values', () => {
    rejects('x0', /must be a list of parameters or a map/);
    rejects(null, /must be a list of parameters or a map/);
  });

  it('checks the map form, naming the key', () => {
    rejects({ x0: { type: 'float', low: 0, high: 1 }, n: 3 }, /parameter 'n' \(index 1\) must be an object with a 'type' field/);
    rejects({ x0: { name: 'y', type: 'float', low: 0, high: 1 } }, /parameter 'x0' \(index 0\) has name "y" but is listed under the key 'x0'/);
    rejects({ x0: { type: 'float', low: 2, high: 1 } }, /parameter 'x0' \(index 0\) needs low < high/);
  });

  it('says "the search space" when no file is named', () => {
    assert.throws(
      () => SearchSpace.from([{ name: 'a', type: 'float', low: 1, high: 0 }]),
      (err: unknown) => err instanceof UserError && /^In the search space, parameter 'a'/.test(err.message),
    );
  });

  it('accepts mixed choice types, one-choice categoricals and every sampler', () => {
    const space = SearchSpace.from([
      { name: 'c', type: 'categorical', choices: ['1', 1, true, false, 2.5] },
      { name: 'one', type: 'categorical', choices: ['only'] },
      { name: 'a', type: 'float', low: 1, high: 2, sampler: 'reverse-loguniform' },
      { name: 'b', type: 'int', low: 1, high: 9, sampler: 'loguniform' },
      { name: 'k', type: 'constant', value: false },
    ]);
    assert.equal(space.dimension, 4);
  });
});
