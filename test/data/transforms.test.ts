import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { binarize, denoise, preprocess, timeBins, toBinaryTrains, toFrame } from '../../src/data/dvs/transforms.js';
import type { DvsEvents } from '../../src/data/dvs/events.js';
import { toDenseTimeMajor } from '../../src/data/spikes.js';
import { throwsUser } from './helpers.js';

function events(list: Array<[x: number, y: number, t: number, p?: number]>): DvsEvents {
  return {
    x: Int16Array.from(list, (e) => e[0]),
    y: Int16Array.from(list, (e) => e[1]),
    t: Float64Array.from(list, (e) => e[2]),
    p: Uint8Array.from(list, (e) => e[3] ?? 1),
  };
}

function triples(ev: DvsEvents): number[][] {
  return Array.from(ev.t, (t, i) => [ev.x[i], ev.y[i], t]);
}

test('Denoise golden: initial-memory rule, strict inequality, 4-neighbours only, grid from the sample maxima', () => {
  const ev = events([
    [1, 0, 100], // kept: t < filter_time and an in-grid neighbour (initial memory 5000 > 100)
    [2, 1, 10000], // dropped: no neighbour fired within 5 ms
    [3, 1, 12000], // kept: (2,1) fired at 10000, 15000 > 12000
    [0, 2, 14000], // dropped
    [2, 1, 17000], // dropped: (3,1) fired at 12000, 17000 > 17000 is false (strict)
    [3, 2, 21999], // dropped: (4,2) and (3,3) are outside the grid (max x = 3, max y = 2)
    [3, 1, 22000], // kept: (3,2) fired at 21999
  ]);
  assert.deepEqual(triples(denoise(ev, 5000)), [
    [1, 0, 100],
    [3, 1, 12000],
    [3, 1, 22000],
  ]);
});

test('Denoise ignores the own pixel and diagonal neighbours; a 1 × 1 grid keeps nothing', () => {
  const own = events([
    [0, 0, 10000],
    [0, 0, 11000], // own pixel fired 1 ms ago: not examined
    [1, 1, 11500], // diagonal of (0,0): not examined
    [1, 1, 60000],
  ]);
  assert.deepEqual(triples(denoise(own, 5000)), []);
  const single = events([
    [0, 0, 1],
    [0, 0, 2],
  ]);
  assert.equal(denoise(single, 5000).t.length, 0);
  // filter time 0 keeps nothing after t = 0 (mem = t is never > t).
  assert.equal(denoise(events([[0, 0, 10], [1, 0, 10]]), 0).t.length, 0);
});

const B = 4;
const cell = (x: number, y: number, p: number): number => (p * 128 + y) * 128 + x;

test('ToFrame reference binning: w = ⌊span/B⌋ by integer division, left-closed bins, last events dropped', () => {
  const ev = events([
    [0, 0, 1000],
    [0, 0, 1001],
    [1, 0, 1250],
    [2, 0, 1499],
    [3, 0, 1500],
    [4, 0, 1750],
    [5, 0, 2002],
    [6, 0, 2003],
  ]);
  assert.deepEqual(Array.from(timeBins(ev, { nTimeBins: B, binning: 'reference' })), [0, 0, 1, 1, 2, 3, -1, -1]);
  const f = toFrame(ev, { nTimeBins: B, binning: 'reference' });
  const cells = 2 * 128 * 128;
  assert.equal(f.length, B * cells);
  assert.equal(f[0 * cells + cell(0, 0, 1)], 2);
  assert.equal(f[1 * cells + cell(1, 0, 1)], 1);
  assert.equal(f[1 * cells + cell(2, 0, 1)], 1);
  assert.equal(f[2 * cells + cell(3, 0, 1)], 1);
  assert.equal(f[3 * cells + cell(4, 0, 1)], 1);
  assert.equal(f.reduce((a, b) => a + b, 0), 6, 'the two events at t ≥ t0 + B·w are dropped');
  // Corrected binning: span spread over B bins, nothing dropped, the last event in the last bin.
  assert.deepEqual(Array.from(timeBins(ev, { nTimeBins: B, binning: 'corrected' })), [0, 0, 0, 1, 1, 2, 3, 3]);
  assert.equal(toFrame(ev, { nTimeBins: B }).reduce((a, b) => a + b, 0), 8);
});

test('ToFrame with a span shorter than B µs: reference gives all-zero frames with a warning; corrected keeps events', () => {
  const ev = events([
    [0, 0, 10],
    [1, 1, 11],
    [2, 2, 13],
  ]);
  const warnings: string[] = [];
  const f = toFrame(ev, { nTimeBins: B, binning: 'reference', onWarning: (w) => warnings.push(w), where: 'tiny sample' });
  assert.equal(f.reduce((a, b) => a + b, 0), 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /tiny sample.*3 µs/);
  assert.deepEqual(Array.from(timeBins(ev, { nTimeBins: B })), [0, 1, 3]);
  // Zero span: everything in bin 0; empty input: empty frames.
  assert.deepEqual(Array.from(timeBins(events([[0, 0, 5], [1, 0, 5]]), { nTimeBins: B })), [0, 0]);
  assert.equal(toBinaryTrains(events([]), { nTimeBins: B }).offsets[B], 0);
});

test('binarisation counts overlapping events once; the fused path equals ToFrame + binarize', () => {
  const ev = events([
    [7, 8, 0, 1],
    [7, 8, 1, 1],
    [7, 8, 2, 0],
    [9, 9, 400, 1],
  ]);
  const f = toFrame(ev, { nTimeBins: B });
  const cells = 2 * 128 * 128;
  assert.equal(f[cell(7, 8, 1)], 2);
  assert.equal(f[cell(7, 8, 0)], 1);
  const bin = binarize(f);
  assert.equal(bin[cell(7, 8, 1)], 1);
  assert.equal(bin[3 * cells + cell(9, 9, 1)], 1);
  // Random streams, both binnings.
  const rng = new Rng(9);
  const n = 20000;
  const list: Array<[number, number, number, number]> = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += rng.int(50);
    list.push([rng.int(128), rng.int(128), t, rng.int(2)]);
  }
  const rnd = events(list);
  for (const binning of ['reference', 'corrected'] as const) {
    const fused = toBinaryTrains(rnd, { nTimeBins: 100, binning });
    assert.deepEqual(toDenseTimeMajor(fused), binarize(toFrame(rnd, { nTimeBins: 100, binning })), binning);
    for (let b = 0; b < 100; b++) {
      for (let k = fused.offsets[b] + 1; k < fused.offsets[b + 1]; k++) assert.ok(fused.indices[k] > fused.indices[k - 1]);
    }
  }
});

test('events outside the sensor are user errors naming the sample', () => {
  throwsUser(() => toFrame(events([[128, 0, 0]]), { where: 'user01_lab segment 2' }), 'user01_lab segment 2', 'outside the 128×128×2 sensor');
  throwsUser(() => denoise(events([[-1, 0, 0]]), 5000), 'negative coordinate');
  const r = preprocess(events([[1, 0, 100], [2, 0, 200], [50, 50, 3_000_000]]), { filterTime: 5000, nTimeBins: 10 });
  assert.equal(r.eventsIn, 3);
  assert.equal(r.eventsAfterDenoise, 2);
  assert.equal(r.trains.T, 10);
});
