import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { apportion, classCounts, hashIndices, stratifiedSubset, trainValidationSplit } from '../../src/data/split.js';
import { openMnist } from '../../src/data/mnist.js';
import { datasetLabels, subsetDataset } from '../../src/data/dataset.js';
import { spikeCount } from '../../src/data/spikes.js';

function disjointAndInRange(a: Uint32Array, b: Uint32Array, n: number): void {
  const seen = new Uint8Array(n);
  for (const i of [...a, ...b]) {
    assert.ok(i < n);
    assert.equal(seen[i], 0, `index ${i} appears twice`);
    seen[i] = 1;
  }
}

test('paper split sizes: 60000 → 48000/12000, 1077 → 861/216, size 862 of 1077 → 689/173', () => {
  const m = trainValidationSplit(60000, { seed: 1 });
  assert.equal(m.train.length, 48000);
  assert.equal(m.validation.length, 12000);
  disjointAndInRange(m.train, m.validation, 60000);
  const d = trainValidationSplit(1077, { seed: 1 });
  assert.deepEqual([d.train.length, d.validation.length], [861, 216]);
  const e = trainValidationSplit(1077, { seed: 1, size: 862 });
  assert.deepEqual([e.train.length, e.validation.length], [689, 173]);
  disjointAndInRange(e.train, e.validation, 1077);
});

test('splits are deterministic for a seed (same on every worker) and change with the seed', () => {
  const a = trainValidationSplit(1077, { seed: 'campaign-7' });
  const b = trainValidationSplit(1077, { seed: 'campaign-7' });
  const c = trainValidationSplit(1077, { seed: 'campaign-8' });
  assert.deepEqual(a.train, b.train);
  assert.equal(a.hash, b.hash);
  assert.equal(a.seed, 'campaign-7');
  assert.notEqual(a.hash, c.hash);
  assert.equal(a.hash, hashIndices(a.train, a.validation));
  assert.throws(() => trainValidationSplit(10, {}), /seed/);
  assert.throws(() => trainValidationSplit(10, { seed: 1, size: 11 }), /between 0 and 10/);
});

test('stratified subsets keep class proportions and are seeded', () => {
  const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i < 600 ? 0 : i < 900 ? 1 : 2));
  const s = stratifiedSubset(labels, 100, new Rng(5));
  assert.equal(new Set(s).size, 100);
  assert.deepEqual(classCounts(Array.from(s, (i) => labels[i])), [60, 30, 10]);
  assert.deepEqual(stratifiedSubset(labels, 100, new Rng(5)), s);
  const sp = trainValidationSplit(1000, { seed: 2, size: 200, stratify: true, labels });
  assert.equal(sp.train.length, 160);
  assert.equal(sp.validation.length, 40);
  disjointAndInRange(sp.train, sp.validation, 1000);
  assert.deepEqual(classCounts(Array.from(sp.validation, (i) => labels[i])), [24, 12, 4]);
  assert.deepEqual(apportion([5, 0, 5], 3), [2, 0, 1]);
});

test('openMnist: 48k/12k split of the real training file, official 10k test, lazy encoded samples', () => {
  const m = openMnist({ seed: 11, encoding: { T: 25, rate: 512 } });
  assert.equal(m.train.size, 48000);
  assert.equal(m.validation.size, 12000);
  assert.equal(m.test.size, 10000);
  assert.deepEqual(m.train.shape, [1, 28, 28]);
  assert.equal(m.train.nInputs, 784);
  assert.equal(m.train.T, 25);
  assert.equal(m.train.nClasses, 10);
  assert.equal(m.train.synthetic, false);
  const i = m.split.train[0];
  assert.equal(m.train.label(0), m.fullTrain.label(i));
  const rng = () => new Rng(3);
  assert.deepEqual(m.train.events(0, rng()).indices, m.fullTrain.events(i, rng()).indices);
  const s = m.validation.events(5, rng());
  assert.equal(s.T, 25);
  assert.ok(spikeCount(s) > 100);
  // Every training-file sample lands in exactly one of the two parts.
  disjointAndInRange(m.split.train, m.split.validation, 60000);
  // Same seed, same split; stratified variant keeps the class histogram.
  assert.equal(openMnist({ seed: 11 }).split.hash, m.split.hash);
  const small = openMnist({ seed: 3, size: 1000, stratify: true });
  assert.equal(small.train.size, 800);
  const counts = classCounts(datasetLabels(small.train));
  assert.ok(Math.min(...counts) >= 70 && Math.max(...counts) <= 95, counts.join(','));
  // Subsets of subsets map through.
  const sub = subsetDataset(m.test, [9999, 0]);
  assert.equal(sub.label(0), m.test.label(9999));
  assert.throws(() => sub.label(2), /out of range/);
});
