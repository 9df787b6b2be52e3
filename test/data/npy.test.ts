import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy } from '../../src/data/dvs/npy.js';
import { readTonicNpy } from '../../src/data/dvs/gesture.js';
import { tempDir, throwsUser } from './helpers.js';

const rows = [
  [0, 127, 1, 0],
  [5, 6, 0, 3],
  [127, 0, 1, 4999],
];
const flat = rows.flat();

test('reads N × 4 arrays of several dtypes, both endiannesses, versions 1.0/2.0/3.0 and Fortran order', () => {
  for (const descr of ['<i8', '<f8', '<u4', '<i4', '>i8', '>f4', '<i2', '|u1', '<u2', '<f4']) {
    if (descr === '|u1' || descr === '<i2') {
      // values above the type's range are not written for these
      const small = flat.map((v) => Math.min(v, 127));
      const a = parseNpy(encodeNpy(small, [3, 4], { descr }), 'x.npy');
      assert.deepEqual(Array.from(a.data), small, descr);
      continue;
    }
    for (const version of [1, 2, 3] as const) {
      for (const fortranOrder of [false, true]) {
        const a = parseNpy(encodeNpy(flat, [3, 4], { descr, version, fortranOrder }), 'x.npy');
        assert.deepEqual(a.shape, [3, 4]);
        assert.equal(a.descr, descr);
        assert.equal(a.fortranOrder, fortranOrder);
        assert.equal(a.version, `${version}.0`);
        assert.deepEqual(Array.from(a.data), flat, `${descr} v${version} fortran=${fortranOrder}`);
      }
    }
  }
});

test('hand-built headers as numpy writes them (v1.0, 16-byte alignment, bool and float16) parse', () => {
  const make = (dict: string, data: number[], version = 1): Uint8Array => {
    const head = Buffer.from(dict.padEnd(dict.length + ((16 - ((10 + dict.length + 1) % 16)) % 16)) + '\n', 'latin1');
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, head.length & 0xff, head.length >> 8]);
    return Uint8Array.from([...pre, ...head, ...data]);
  };
  const b = parseNpy(make("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", [1, 0, 0, 1]), 'bool.npy');
  assert.deepEqual(Array.from(b.data), [1, 0, 0, 1]);
  // float16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF
  const h = parseNpy(make("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", [0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b]), 'half.npy');
  assert.deepEqual(Array.from(h.data), [1, -2, 0.5, 65504]);
});

test('Tonic event files: t in ms becomes µs (×1000), columns [x, y, p, t]', () => {
  const dir = tempDir();
  const file = join(dir, '3.npy');
  writeFileSync(file, encodeNpy(flat, [3, 4], { descr: '<f8' }));
  const ev = readTonicNpy(file);
  assert.deepEqual(Array.from(ev.x), [0, 5, 127]);
  assert.deepEqual(Array.from(ev.y), [127, 6, 0]);
  assert.deepEqual(Array.from(ev.p), [1, 0, 1]);
  assert.deepEqual(Array.from(ev.t), [0, 3000, 4999000]);
});

test('npy files of a wrong dtype, shape or structure give a UserError naming the file', () => {
  const dir = tempDir();
  const write = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const withDescr = (descr: string, itemBytes: number, shape = '(3, 4)', count = 12): Uint8Array => {
    let dict = `{'descr': ${descr}, 'fortran_order': False, 'shape': ${shape}, }`;
    dict = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11) + '\n';
    const pre = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8];
    return Uint8Array.from([...pre, ...Buffer.from(dict, 'latin1'), ...new Uint8Array(count * itemBytes)]);
  };
  const complex = write('complex.npy', withDescr("'<c16'", 16));
  throwsUser(() => readNpy(complex), complex, "dtype '<c16'", 'integer, float or boolean');
  const unicode = write('unicode.npy', withDescr("'<U8'", 32));
  throwsUser(() => readNpy(unicode), unicode, "'<U8'");
  const object = write('object.npy', withDescr("'|O'", 8));
  throwsUser(() => readNpy(object), object, "'|O'");
  const datetime = write('datetime.npy', withDescr("'<M8[us]'", 8));
  throwsUser(() => readNpy(datetime), datetime, "'<M8[us]'");
  const structured = write('structured.npy', withDescr("[('x', '<i2'), ('y', '<i2'), ('p', '|b1'), ('t', '<i8')]", 13, '(3,)', 3));
  throwsUser(() => readNpy(structured), structured, 'structured');
  const threeCols = write('three.npy', encodeNpy([1, 2, 3, 4, 5, 6], [2, 3]));
  throwsUser(() => readTonicNpy(threeCols), threeCols, 'shape (2, 3)', 'N × 4');
  const oneD = write('flat.npy', encodeNpy([1, 2, 3, 4], [4]));
  throwsUser(() => readTonicNpy(oneD), oneD, 'shape (4)');
  const good = encodeNpy(flat, [3, 4]);
  const trunc = write('trunc.npy', good.subarray(0, good.length - 1));
  throwsUser(() => readNpy(trunc), trunc, 'truncated', 'needs 96 bytes');
  const notNpy = write('text.npy', Buffer.from('x,y,p,t\n1,2,3,4\n'));
  throwsUser(() => readNpy(notNpy), notNpy, 'not a .npy file');
  const v9 = good.slice();
  v9[6] = 9;
  throwsUser(() => parseNpy(v9, 'v9.npy'), 'v9.npy', 'version 9.0');
  const headerCut = write('headercut.npy', good.subarray(0, 40));
  throwsUser(() => readNpy(headerCut), headerCut, 'truncated inside its header');
});
