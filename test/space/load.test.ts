import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SearchSpace } from '../../src/space/space.js';
import { UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-space-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const yamlSpace = `# Exp 3 excerpt (system.md §3.5)
- name: epochs
  type: int
  low: 1
  high: 40
- name: batch_size
  type: int
  low: 1
  high: 50
  sampler: reverse-loguniform
- name: decoder
  type: categorical
  choices: [rate, max]
- name: learning_rate
  type: float
  low: 1e-3
  high: 0.1
  sampler: loguniform
- name: dataset
  type: constant
  value: mnist
`;

describe('SearchSpace.load', () => {
  it('reads a YAML list', () => {
    for (const ext of ['yaml', 'yml']) {
      const space = SearchSpace.load(file(`exp3.${ext}`, yamlSpace));
      assert.equal(space.dimension, 4);
      assert.deepEqual(space.names, ['epochs', 'batch_size', 'decoder', 'learning_rate', 'dataset']);
      assert.deepEqual(space.parameters[3], {
        name: 'learning_rate', type: 'float', low: 1e-3, high: 0.1, log: false, sampler: 'loguniform',
      });
    }
  });

  it('reads a YAML map', () => {
    const space = SearchSpace.load(file('map.yaml', 'x0: { type: float, low: -5, high: 10 }\nn: { type: int, low: 1, high: 8 }\n'));
    assert.deepEqual(space.names, ['x0', 'n']);
  });

  it('reads JSON, including what toJSON wrote', () => {
    const original = SearchSpace.load(file('exp3b.yaml', yamlSpace));
    const space = SearchSpace.load(file('exp3.json', JSON.stringify(original, null, 2)));
    assert.deepEqual(space.parameters, original.parameters);
  });

  const failures: [string, string, RegExp][] = [
    ['bad.yaml', '- name: lr\n  type: float\n  low: 1\n  high: 0\n', /^In search space .*bad\.yaml, parameter 'lr' \(index 0\) needs low < high/],
    ['syntax.yaml', '- name: lr\n  type: [float\n', /^Search space file .*syntax\.yaml is not valid YAML: /],
    ['syntax.json', '[{"name": "lr",}]', /^Search space file .*syntax\.json is not valid JSON: /],
    ['empty.yaml', '\n# nothing\n', /^Search space file .*empty\.yaml is empty; expected a list of parameters\.$/],
    ['blank.json', '  ', /^Search space file .*blank\.json is empty; expected a list of parameters\.$/],
    ['scalar.yaml', 'just text\n', /^Search space .*scalar\.yaml must be a list of parameters or a map/],
    ['dupkey.yaml', 'x0: { type: float, low: 0, high: 1 }\nx0: { type: int, low: 1, high: 2 }\n', /dupkey\.yaml is not valid YAML/],
    ['space.toml', 'x = 1', /^Search space file .*space\.toml must end in \.yaml, \.yml or \.json\.$/],
  ];
  for (const [name, text, message] of failures) {
    it(`reports ${name} with the file name`, () => {
      const path = file(name, text);
      assert.throws(
        () => SearchSpace.load(path),
        (err: unknown) => err instanceof UserError && message.test(err.message) && !err.message.includes('\n'),
      );
    });
  }

  it('reports a missing file or a folder', () => {
    const fails = (path: string, message: RegExp): void => {
      assert.throws(() => SearchSpace.load(path), (err: unknown) => err instanceof UserError && message.test(err.message));
    };
    fails(join(dir, 'nope.yaml'), /^Search space file .*nope\.yaml could not be read: it does not exist\.$/);
    mkdirSync(join(dir, 'folder.yaml'));
    fails(join(dir, 'folder.yaml'), /^Search space file .*folder\.yaml could not be read: it is a folder\.$/);
  });
});
