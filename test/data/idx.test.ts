import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx, readIdx } from '../../src/data/idx.js';
import { imageAt, idxPairPaths, loadImageSet, loadMnist, mnistDataDir } from '../../src/data/mnist.js';
import { classCounts } from '../../src/data/split.js';
import { tempDir, throwsUser } from './helpers.js';

function meanByte(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += b[i];
  return s / b.length;
}

test('real MNIST: file sizes, counts, class histograms and mean pixels match the spec', () => {
  const train = loadMnist('train');
  const testSet = loadMnist('test');
  assert.equal(train.count, 60000);
  assert.equal(testSet.count, 10000);
  assert.deepEqual([train.rows, train.cols], [28, 28]);
  assert.equal(train.images.length, 60000 * 784);
  assert.equal(train.nClasses, 10);
  assert.deepEqual(classCounts(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(classCounts(testSet.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.ok(Math.abs(meanByte(train.images) - 33.318) < 0.001, `train mean ${meanByte(train.images)}`);
  assert.ok(Math.abs(meanByte(testSet.images) - 33.791) < 0.001, `test mean ${meanByte(testSet.images)}`);
  // About 150 of 784 pixels are non-zero per image.
  let nz = 0;
  for (let i = 0; i < train.images.length; i++) if (train.images[i]) nz++;
  const perImage = nz / 60000;
  assert.ok(perImage > 140 && perImage < 160, `non-zero pixels per image ${perImage}`);
  // The payload is a view of the file, not a copy.
  assert.equal(imageAt(train, 1).byteOffset, train.images.byteOffset + 784);
});

test('the raw header of the bundled files is checked: magic 0x803/0x801, 47 040 016 bytes', () => {
  const p = idxPairPaths(mnistDataDir(), 'train');
  const img = readIdx(p.images, 3);
  assert.deepEqual(img.dims, [60000, 28, 28]);
  assert.equal(img.data.length + 16, 47_040_016);
  const lab = readIdx(p.labels, 1);
  assert.deepEqual(lab.dims, [60000]);
});

test('gzipped IDX pairs (Fashion-MNIST style folders) are read transparently', () => {
  const dir = tempDir();
  const src = loadMnist('test');
  const n = 50;
  const images = encodeIdx([n, 28, 28], src.images.subarray(0, n * 784));
  const labels = encodeIdx([n], src.labels.subarray(0, n));
  for (const part of ['train', 't10k']) {
    writeFileSync(join(dir, `${part}-images-idx3-ubyte.gz`), gzipSync(images));
    writeFileSync(join(dir, `${part}-labels-idx1-ubyte.gz`), gzipSync(labels));
  }
  const set = loadMnist('train', dir);
  assert.equal(set.count, n);
  assert.deepEqual(set.images, src.images.subarray(0, n * 784));
  assert.deepEqual(set.labels, src.labels.subarray(0, n));
});

test('malformed IDX files give a UserError naming the file and the problem', () => {
  const dir = tempDir();
  const good = encodeIdx([3, 2, 2], new Uint8Array(12).fill(7));
  const write = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  // Truncated payload.
  const trunc = write('trunc-idx3-ubyte', good.subarray(0, good.length - 5));
  throwsUser(() => readIdx(trunc, 3), trunc, 'truncated', '12 bytes', '7 follow');
  // Truncated inside the header.
  const shortHead = write('short-head', good.subarray(0, 9));
  throwsUser(() => readIdx(shortHead), shortHead, 'truncated inside its header');
  // Shorter than the magic number.
  const tiny = write('tiny', good.subarray(0, 2));
  throwsUser(() => readIdx(tiny), tiny, 'truncated');
  // Wrong magic (e.g. a PNG).
  const png = write('image.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
  throwsUser(() => readIdx(png), png, 'not an IDX magic', '0x89504E47');
  // Right family, wrong element type (float, 0x0D).
  const floats = good.slice();
  floats[2] = 0x0d;
  throwsUser(() => parseIdx(floats, 'floats-idx3'), 'floats-idx3', 'element type 0x0d');
  // Labels file given where images are expected.
  const labels = write('labels-idx1-ubyte', encodeIdx([4], Uint8Array.from([1, 2, 3, 4])));
  throwsUser(() => readIdx(labels, 3), labels, '1 dimension(s)', 'expected 3');
  // Trailing garbage.
  const extra = write('extra', Uint8Array.from([...good, 1, 2, 3]));
  throwsUser(() => readIdx(extra), extra, 'corrupt', '15 follow');
  // Corrupt gzip stream.
  const gz = gzipSync(good);
  const badGz = write('bad.gz', gz.subarray(0, gz.length - 8));
  throwsUser(() => readIdx(badGz), badGz, 'gzipped');
  // Missing file.
  throwsUser(() => readIdx(join(dir, 'missing')), 'missing', 'ENOENT');
  // Images and labels that disagree on the count.
  const imgs = write('imgs', good);
  throwsUser(() => loadImageSet(imgs, labels), labels, '4 labels', '3 images');
  // A folder without the expected files.
  throwsUser(() => idxPairPaths(dir, 'train'), dir, 'train-images-idx3-ubyte');
});
