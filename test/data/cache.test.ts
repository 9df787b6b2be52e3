import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticGestureDataset } from '../../src/data/dvs/synthetic.js';
import { DvsGestureDataset, openDvsGesture, sampleKey } from '../../src/data/dvs/dataset.js';
import { decodeTrains, encodeTrains, FrameCache } from '../../src/data/dvs/cache.js';
import { fromDenseTimeMajor } from '../../src/data/spikes.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from './helpers.js';

const rng = new Rng(0);

test('.spk encoding round-trips narrow and wide index arrays and rejects damaged files', () => {
  const narrow = fromDenseTimeMajor([1, 0, 1, 0, 0, 1], 2, 3);
  assert.deepEqual(decodeTrains(encodeTrains(narrow)), narrow);
  const wide = { T: 2, nInputs: 70000, offsets: Uint32Array.from([0, 1, 3]), indices: Uint32Array.from([69999, 5, 65536]) };
  assert.deepEqual(decodeTrains(encodeTrains(wide)), wide);
  const bytes = encodeTrains(narrow);
  assert.equal(decodeTrains(bytes.subarray(0, bytes.length - 1)), undefined);
  const bad = bytes.slice();
  bad[0] = 0;
  assert.equal(decodeTrains(bad), undefined);
});

test('frame cache: first load computes and writes, a second load (new dataset object) hits; parameters and sources invalidate', () => {
  const root = tempDir();
  const data = join(root, 'data');
  const cacheDir = join(root, 'cache');
  writeSyntheticGestureDataset({ out: data, samples: 6, format: 'npy', seed: 2, durationUs: 300_000 });
  const first = new DvsGestureDataset({ root: data, split: 'train', cacheDir });
  const n = first.size;
  assert.ok(n >= 4);
  const fresh = Array.from({ length: n }, (_, i) => first.events(i, rng));
  assert.equal(first.cache!.misses, n);
  assert.equal(first.cache!.writes, n);
  assert.equal(first.cache!.hits, 0);
  const params = JSON.parse(readFileSync(join(first.cache!.dir, 'params.json'), 'utf8'));
  assert.deepEqual([params.filterTime, params.nTimeBins, params.binning], [5000, 100, 'corrected']);

  const second = new DvsGestureDataset({ root: data, split: 'train', cacheDir });
  assert.equal(second.cache!.dir, first.cache!.dir);
  for (let i = 0; i < n; i++) {
    const s = second.events(i, rng);
    assert.deepEqual(s.offsets, fresh[i].offsets);
    assert.deepEqual(s.indices, fresh[i].indices);
    // What the cache returns is what the chain computes.
    assert.deepEqual(s.indices, second.preprocessSample(i).trains.indices);
  }
  assert.equal(second.cache!.hits, n);
  assert.equal(second.cache!.misses, 0);

  // Changing a preprocessing parameter selects another folder: everything is recomputed.
  for (const change of [{ filterTime: 10_000 }, { binning: 'reference' as const }, { nTimeBins: 50 }, { filterTime: null }]) {
    const other = new DvsGestureDataset({ root: data, split: 'train', cacheDir, ...change });
    assert.notEqual(other.cache!.dir, first.cache!.dir, JSON.stringify(change));
    other.events(0, rng);
    assert.equal(other.cache!.misses, 1, JSON.stringify(change));
  }
  assert.equal(readdirSync(cacheDir).length, 5);

  // A changed source file (new mtime) is a different sample key; a damaged cache file is recomputed.
  const e0 = second.entry(0);
  const later = new Date(Date.now() + 60_000);
  utimesSync(e0.file, later, later);
  const third = new DvsGestureDataset({ root: data, split: 'train', cacheDir });
  assert.notEqual(sampleKey(third.entry(0)), sampleKey(e0));
  third.events(0, rng);
  assert.equal(third.cache!.misses, 1);
  const p1 = third.cache!.pathOf(sampleKey(third.entry(1)));
  assert.ok(existsSync(p1));
  writeFileSync(p1, 'garbage');
  assert.deepEqual(third.events(1, rng).indices, fresh[1].indices);
  assert.equal(third.cache!.misses, 2);
  assert.deepEqual(decodeTrains(readFileSync(p1))?.indices, fresh[1].indices, 'rewritten');
});

test('cache disabled, and the paper split of the training set through openDvsGesture', () => {
  const root = tempDir();
  writeSyntheticGestureDataset({ out: root, samples: 30, format: 'aedat', seed: 4, durationUs: 200_000 });
  const g = openDvsGesture({ root, seed: 1, cacheDir: false });
  assert.equal(g.fullTrain.cache, undefined);
  assert.equal(g.fullTrain.size, 24);
  assert.equal(g.test.size, 6);
  assert.equal(g.train.size, Math.floor(0.8 * 24));
  assert.equal(g.validation.size, 24 - Math.floor(0.8 * 24));
  assert.equal(g.train.synthetic, true);
  assert.deepEqual(g.train.shape, [2, 128, 128]);
  assert.equal(g.train.nInputs, 32768);
  assert.equal(g.train.T, 100);
  const s = g.validation.events(0, rng);
  assert.equal(s.T, 100);
  assert.equal(s.indices.constructor, Uint16Array);
  assert.equal(g.validation.label(0), g.fullTrain.label(g.split.validation[0]));
  assert.equal(openDvsGesture({ root, seed: 1, cacheDir: false }).split.hash, g.split.hash);
  const cache = new FrameCache(join(root, 'c'), { a: 1, b: [1, 2] });
  assert.equal(new FrameCache(join(root, 'c'), { b: [1, 2], a: 1 }).paramsKey, cache.paramsKey, 'key independent of property order');
});
