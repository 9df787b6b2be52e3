import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAedat31 } from '../../src/data/dvs/aedat.js';
import { encodeNpy } from '../../src/data/dvs/npy.js';
import {
  GestureRecordings,
  detectGestureLayout,
  indexGesture,
  parseLabelsCsv,
  parseTrialsList,
} from '../../src/data/dvs/gesture.js';
import { tempDir, throwsUser } from './helpers.js';

/** A recording whose events sit at known times: event k at t = 1000·k µs, x = k mod 128. */
function ramp(n: number, t0 = 0) {
  return {
    x: Int16Array.from({ length: n }, (_, k) => k % 128),
    y: Int16Array.from({ length: n }, (_, k) => (k >> 7) % 128),
    p: Uint8Array.from({ length: n }, (_, k) => k & 1),
    t: Float64Array.from({ length: n }, (_, k) => t0 + 1000 * k),
  };
}

/** Original-release layout: user01 and user05 train, user24 test; user01 repeats class 3. */
function writeAedatLayout(root: string): string {
  const dir = join(root, 'DvsGesture');
  mkdirSync(dir, { recursive: true });
  const csv = (rows: string[]): string => ['class,startTime_usec,endTime_usec', ...rows].join('\r\n') + '\r\n';
  writeFileSync(join(dir, 'user01_lab.aedat'), encodeAedat31(ramp(400)));
  writeFileSync(join(dir, 'user01_lab_labels.csv'), csv(['3,10000,50000', '1,60000,90000', '3,100000,150000']));
  writeFileSync(join(dir, 'user05_led.aedat'), encodeAedat31(ramp(200)));
  writeFileSync(join(dir, 'user05_led_labels.csv'), csv(['11,0,199001']));
  writeFileSync(join(dir, 'user24_natural.aedat'), encodeAedat31(ramp(100)));
  writeFileSync(join(dir, 'user24_natural_labels.csv'), csv(['2,20000,30000', '7,30000,40000']));
  writeFileSync(join(dir, 'trials_to_train.txt'), 'user01_lab.aedat\nuser05_led.aedat\n');
  writeFileSync(join(dir, 'trials_to_test.txt'), 'user24_natural.aedat\n');
  return dir;
}

test('AEDAT layout: segments start ≤ t < end, labels = class − 1, user/lighting from names, duplicate policies', () => {
  const root = tempDir();
  writeAedatLayout(root);
  const train = indexGesture({ root, split: 'train' });
  assert.equal(train.format, 'aedat');
  assert.equal(train.synthetic, false);
  assert.deepEqual(
    train.entries.map((e) => [e.id, e.label, e.user, e.lighting]),
    [
      ['user01_lab#0', 2, 1, 'lab'],
      ['user01_lab#1', 0, 1, 'lab'],
      ['user01_lab#2', 2, 1, 'lab'],
      ['user05_led#0', 10, 5, 'led'],
    ],
  );
  const rec = new GestureRecordings(train);
  const s0 = rec.sample(0);
  assert.equal(s0.t.length, 40); // t = 10000 … 49000
  assert.equal(s0.t[0], 10000);
  assert.equal(s0.t[39], 49000);
  assert.equal(s0.source, 'aedat');
  assert.equal(s0.segmentIndex, 0);
  assert.equal(s0.synthetic, false);
  assert.equal(rec.sample(3).t.length, 200);
  const test_ = indexGesture({ root: join(root, 'DvsGesture'), split: 'test' });
  assert.deepEqual(
    test_.entries.map((e) => [e.label, e.user, e.startUs, e.endUs]),
    [
      [1, 24, 20000, 30000],
      [6, 24, 30000, 40000],
    ],
  );
  assert.deepEqual(indexGesture({ root, split: 'train', duplicateClassPolicy: 'first' }).entries.map((e) => e.id), ['user01_lab#0', 'user01_lab#1', 'user05_led#0']);
  assert.deepEqual(indexGesture({ root, split: 'train', duplicateClassPolicy: 'last' }).entries.map((e) => e.id), ['user01_lab#1', 'user01_lab#2', 'user05_led#0']);
  // Without trials lists, users 1–23 train and 24–29 test.
  rmSync(join(root, 'DvsGesture', 'trials_to_test.txt'));
  writeFileSync(join(root, 'DvsGesture', 'trials_to_train.txt'), 'user01_lab.aedat\n');
  assert.equal(indexGesture({ root, split: 'test' }).entries.length, 2);
});

test('Tonic .npy layout: label from the file name, t in ms, several dtypes and npy versions', () => {
  const root = tempDir();
  const base = join(root, 'DVSGesture');
  const rows = (n: number): number[] => Array.from({ length: n }, (_, k) => [k % 128, 3, k & 1, 2 * k]).flat();
  const put = (split: string, trial: string, label: number, descr: string, version: 1 | 2): void => {
    const d = join(base, split, trial);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `${label}.npy`), encodeNpy(rows(50 + label), [50 + label, 4], { descr, version }));
  };
  put('ibmGestureTrain', 'user01_lab', 0, '<i8', 1);
  put('ibmGestureTrain', 'user01_lab', 10, '<f8', 2);
  put('ibmGestureTrain', 'user02_fluorescent_led', 4, '<u4', 1);
  put('ibmGestureTest', 'user29_natural', 7, '<i8', 2);
  const train = indexGesture({ root, split: 'train' });
  assert.equal(train.format, 'tonic-npy');
  assert.deepEqual(
    train.entries.map((e) => [e.id, e.label, e.user, e.lighting]),
    [
      ['user01_lab/0.npy', 0, 1, 'lab'],
      ['user01_lab/10.npy', 10, 1, 'lab'],
      ['user02_fluorescent_led/4.npy', 4, 2, 'fluorescent_led'],
    ],
  );
  const rec = new GestureRecordings(train, { lruSize: 1 });
  for (let i = 0; i < 3; i++) {
    const s = rec.sample(i);
    assert.equal(s.source, 'tonic-npy');
    assert.equal(s.t.length, 50 + train.entries[i].label);
    assert.equal(s.t[1], 2000, 't in ms × 1000');
    assert.equal(s.y[5], 3);
  }
  assert.equal(indexGesture({ root, split: 'test', format: 'tonic-npy' }).entries[0].user, 29);
  // A bad file name is reported with its path.
  put('ibmGestureTest', 'user29_natural', 7, '<i8', 1);
  writeFileSync(join(base, 'ibmGestureTest', 'user29_natural', '11.npy'), encodeNpy([0, 0, 0, 0], [1, 4]));
  throwsUser(() => indexGesture({ root, split: 'test' }), '11.npy', 'class label 0 to 10');
});

test('label CSVs with an unknown class, end < start or bad rows give a UserError naming the file and line', () => {
  const f = 'user03_led_labels.csv';
  assert.deepEqual(parseLabelsCsv('class,startTime_usec,endTime_usec\n1,80048239,85092709\n', f), [{ label: 0, startUs: 80048239, endUs: 85092709 }]);
  throwsUser(() => parseLabelsCsv('class,startTime_usec,endTime_usec\n12,1,2\n', f), f, 'line 2', 'unknown class 12');
  throwsUser(() => parseLabelsCsv('class,startTime_usec,endTime_usec\n0,1,2\n', f), f, 'unknown class 0');
  throwsUser(() => parseLabelsCsv('class,startTime_usec,endTime_usec\n1,5,9\n4,900,100\n', f), f, 'line 3', 'end time 100', 'start time 900');
  throwsUser(() => parseLabelsCsv('class,startTime_usec,endTime_usec\n4,900,900\n', f), f, 'not after');
  throwsUser(() => parseLabelsCsv('class,startTime_usec,endTime_usec\n4,abc,900\n', f), f, 'three non-negative integers');
  throwsUser(() => parseLabelsCsv('label,start\n', f), f, 'line 1', 'header');
  throwsUser(() => parseTrialsList('user01_lab.aedat\nuser02_lab.txt\n', 'trials_to_train.txt'), 'trials_to_train.txt', 'line 2');
});

test('layout problems are reported with the path', () => {
  const root = tempDir();
  throwsUser(() => detectGestureLayout(join(root, 'nope')), 'nope', 'does not exist');
  throwsUser(() => detectGestureLayout(root), root, 'trials_to_train.txt');
  const dir = writeAedatLayout(root);
  throwsUser(() => detectGestureLayout(root, 'tonic-npy'), 'ibmGestureTrain');
  rmSync(join(dir, 'user05_led_labels.csv'));
  throwsUser(() => indexGesture({ root, split: 'train' }), 'user05_led.aedat', 'no labels file');
  writeFileSync(join(dir, 'trials_to_train.txt'), 'user07_lab.aedat\n');
  throwsUser(() => indexGesture({ root, split: 'train' }), 'user07_lab.aedat', 'does not exist');
  writeFileSync(join(dir, 'trials_to_train.txt'), 'person7.aedat\n');
  throwsUser(() => indexGesture({ root, split: 'train' }), 'person7', 'userNN_<lighting>');
});
