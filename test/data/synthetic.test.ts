import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticGestureDataset, synthesizeGesture, userStyle, jitterStyle } from '../../src/data/dvs/synthetic.js';
import { GestureRecordings, indexGesture, SYNTHETIC_MARKER } from '../../src/data/dvs/gesture.js';
import { DvsGestureDataset } from '../../src/data/dvs/dataset.js';
import { readAedat31 } from '../../src/data/dvs/aedat.js';
import { denoise, preprocess } from '../../src/data/dvs/transforms.js';
import { Rng } from '../../src/util/rng.js';
import { classCounts } from '../../src/data/split.js';
import { tempDir } from './helpers.js';

const small = { samples: 24, seed: 5, durationUs: 300_000 };

test('synthetic recordings round-trip through both real readers and give identical frames', () => {
  const root = tempDir();
  const aedat = writeSyntheticGestureDataset({ ...small, out: join(root, 'a'), format: 'aedat' });
  const npy = writeSyntheticGestureDataset({ ...small, out: join(root, 'n'), format: 'npy', npyDtype: '<f8' });
  assert.deepEqual(aedat.samples, { train: 19, test: 5 });
  assert.deepEqual(npy.classCounts, aedat.classCounts);
  for (const split of ['train', 'test'] as const) {
    const ia = indexGesture({ root: join(root, 'a'), split });
    const inp = indexGesture({ root: join(root, 'n'), split });
    assert.equal(ia.format, 'aedat');
    assert.equal(inp.format, 'tonic-npy');
    assert.ok(ia.synthetic && inp.synthetic, 'marked synthetic');
    assert.equal(ia.entries.length, aedat.samples[split]);
    assert.equal(inp.entries.length, aedat.samples[split]);
    assert.deepEqual(classCounts(ia.entries.map((e) => e.label), 11), aedat.classCounts[split]);
    for (const e of ia.entries) assert.equal(e.user <= 23, split === 'train', `user ${e.user} in ${split}`);
    const ra = new GestureRecordings(ia);
    const rn = new GestureRecordings(inp);
    const key = (e: { user: number; lighting: string; label: number }): string => `${e.user}/${e.lighting}/${e.label}`;
    const byKey = new Map(inp.entries.map((e, i) => [key(e), i]));
    ia.entries.forEach((e, i) => {
      const j = byKey.get(key(e));
      assert.ok(j !== undefined, `npy copy lacks ${key(e)}`);
      const sa = ra.sample(i);
      const sn = rn.sample(j);
      assert.equal(sa.synthetic, true);
      assert.deepEqual(sa.t, sn.t);
      assert.deepEqual(sa.x, sn.x);
      assert.deepEqual(sa.p, sn.p);
      const fa = preprocess(sa, { filterTime: 5000, nTimeBins: 100 }).trains;
      const fn = preprocess(sn, { filterTime: 5000, nTimeBins: 100 }).trains;
      assert.deepEqual(fa.indices, fn.indices);
      assert.ok(fa.offsets[100] > 1000, 'frames are not empty');
    });
  }
  // The marker and the AEDAT header say it is synthetic.
  const manifest = JSON.parse(readFileSync(join(root, 'a', SYNTHETIC_MARKER), 'utf8'));
  assert.equal(manifest.synthetic, true);
  const first = readdirSync(join(root, 'a', 'DvsGesture')).find((f) => f.endsWith('.aedat'))!;
  assert.ok(readAedat31(join(root, 'a', 'DvsGesture', first)).header.some((l) => l.includes('SYNTHETIC')));
  assert.match(new DvsGestureDataset({ root: join(root, 'n'), split: 'test', cacheDir: false }).name, /^synthetic /);
});

test('generation is deterministic for a seed', () => {
  const root = tempDir();
  const a = writeSyntheticGestureDataset({ ...small, samples: 3, out: join(root, 'a'), format: 'aedat' });
  writeSyntheticGestureDataset({ ...small, samples: 3, out: join(root, 'b'), format: 'aedat' });
  writeSyntheticGestureDataset({ ...small, samples: 3, seed: 6, out: join(root, 'c'), format: 'aedat' });
  assert.equal(a.samples.train + a.samples.test, 3);
  const files = readdirSync(join(root, 'a', 'DvsGesture')).filter((f) => f.endsWith('.aedat'));
  for (const f of files) {
    assert.deepEqual(readFileSync(join(root, 'a', 'DvsGesture', f)), readFileSync(join(root, 'b', 'DvsGesture', f)));
  }
  const other = readdirSync(join(root, 'c', 'DvsGesture')).filter((f) => f.endsWith('.aedat'));
  assert.notDeepEqual(readFileSync(join(root, 'a', 'DvsGesture', files[0])), readFileSync(join(root, 'c', 'DvsGesture', other[0])));
});

test('sensor noise is mostly removed by Denoise(5 ms) while gesture edges survive', () => {
  const style = userStyle(4, 1);
  const noiseOnly = synthesizeGesture(0, style, 'n', { durationUs: 1_000_000, edgeDensity: 0 });
  assert.ok(noiseOnly.t.length > 5000);
  const keptNoise = denoise(noiseOnly, 5000).t.length / noiseOnly.t.length;
  assert.ok(keptNoise < 0.15, `noise kept ${keptNoise}`);
  const clean = synthesizeGesture(0, style, 'c', { durationUs: 1_000_000, noiseRate: 0, hotPixels: 0 });
  const keptEdges = denoise(clean, 5000).t.length / clean.t.length;
  assert.ok(keptEdges > 0.6, `edges kept ${keptEdges}`);
  // ON and OFF both occur; every event lies on the sensor; timestamps never decrease.
  let on = 0;
  for (let i = 0; i < clean.t.length; i++) {
    on += clean.p[i];
    assert.ok(clean.x[i] >= 0 && clean.x[i] < 128 && clean.y[i] >= 0 && clean.y[i] < 128);
    if (i) assert.ok(clean.t[i] >= clean.t[i - 1]);
  }
  assert.ok(on > 0.3 * clean.t.length && on < 0.7 * clean.t.length, `ON fraction ${on / clean.t.length}`);
});

test('classes have their motion: right vs left wave side, clockwise vs counter-clockwise rotation', () => {
  const style = jitterStyle(userStyle(2, 3), new Rng(1));
  const meanX = (label: number): number => {
    const ev = synthesizeGesture(label, style, `w${label}`, { durationUs: 1_000_000, noiseRate: 0, hotPixels: 0 });
    return ev.x.reduce((a, b) => a + b, 0) / ev.x.length;
  };
  assert.ok(meanX(1) > 64 && meanX(2) < 64, `right wave ${meanX(1)}, left wave ${meanX(2)}`);
  // Signed area swept by the event centroid (y down: clockwise on screen gives a positive sum).
  const turning = (label: number): number => {
    const ev = synthesizeGesture(label, style, `r${label}`, { durationUs: 3_000_000, noiseRate: 0, hotPixels: 0 });
    const bins = 60;
    const sx = new Float64Array(bins);
    const sy = new Float64Array(bins);
    const n = new Float64Array(bins);
    for (let i = 0; i < ev.t.length; i++) {
      const b = Math.min(bins - 1, Math.floor((ev.t[i] / 3_000_000) * bins));
      sx[b] += ev.x[i];
      sy[b] += ev.y[i];
      n[b]++;
    }
    let area = 0;
    for (let b = 1; b < bins; b++) {
      const x0 = sx[b - 1] / n[b - 1] - 64;
      const y0 = sy[b - 1] / n[b - 1] - 64;
      const x1 = sx[b] / n[b] - 64;
      const y1 = sy[b] / n[b] - 64;
      area += x0 * y1 - x1 * y0;
    }
    return area;
  };
  assert.ok(turning(3) > 0 && turning(4) < 0, `right arm cw ${turning(3)}, ccw ${turning(4)}`);
  assert.ok(turning(5) > 0 && turning(6) < 0, `left arm cw ${turning(5)}, ccw ${turning(6)}`);
});

test('calibration: about 2 % of the 32768 inputs active per step after the paper chain', () => {
  let active = 0;
  const labels = [0, 4, 8, 10];
  for (const label of labels) {
    const ev = synthesizeGesture(label, jitterStyle(userStyle(label + 1, 9), new Rng(label)), `cal${label}`);
    active += preprocess(ev, { filterTime: 5000, nTimeBins: 100 }).trains.offsets[100];
  }
  const fraction = active / labels.length / 100 / 32768;
  assert.ok(fraction > 0.01 && fraction < 0.035, `fraction active per step ${fraction}`);
});
