import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAedat31, encodeAedatPackets, parseAedat31, polarityPackets, readAedat31, type AedatPacket } from '../../src/data/dvs/aedat.js';
import { tempDir, throwsUser } from './helpers.js';

const TWO31 = 2 ** 31;

/** One polarity event as the 8 raw bytes of the format. */
function rawEvent(x: number, y: number, p: number, ts: number, valid = 1): number[] {
  const data = (valid | (p << 1) | (y << 2) | (x << 17)) >>> 0;
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, data, true);
  v.setUint32(4, ts, true);
  return [...b];
}

function packet(over: Partial<AedatPacket> & { events: number[][] }): AedatPacket {
  const body = Uint8Array.from(over.events.flat());
  const n = over.events.length;
  return { eventType: 1, eventSize: 8, tsOffset: 4, tsOverflow: 0, capacity: n, number: n, valid: n, body, ...over };
}

/** A fixture with every case of the spec: non-polarity packet, spare capacity, an invalid event, overflow. */
function fixture(): Uint8Array {
  return encodeAedatPackets(
    [
      packet({ events: [rawEvent(1, 2, 1, 100), rawEvent(127, 0, 0, 150)] }),
      // Special-event packet (type 0, 8-byte events): skipped whole.
      { eventType: 0, eventSize: 8, tsOffset: 4, tsOverflow: 0, capacity: 2, number: 2, valid: 2, body: Uint8Array.from([...rawEvent(9, 9, 1, 160), ...rawEvent(9, 9, 1, 170)]) },
      // eventCapacity 4 > eventNumber 3: the fourth slot holds garbage that must not be read; the second event is invalid.
      packet({ events: [rawEvent(5, 6, 1, 200), rawEvent(7, 7, 0, 210, 0), rawEvent(64, 100, 0, 220), rawEvent(99, 99, 1, 5, 1)], number: 3, valid: 2 }),
      // Timestamp overflow: t = 5 + 1·2^31 µs.
      packet({ events: [rawEvent(3, 4, 1, 5)], tsOverflow: 1 }),
    ],
    ['fixture written by the test suite'],
  );
}

test('decodes AEDAT 3.1: header, skipped packets, eventNumber < eventCapacity, validity bit, overflow', () => {
  const rec = parseAedat31(fixture(), 'fixture.aedat');
  assert.equal(rec.header[0], '#!AER-DAT3.1');
  assert.equal(rec.header[rec.header.length - 1], '#!END-HEADER');
  assert.equal(rec.packets, 4);
  assert.equal(rec.skippedPackets, 1);
  assert.equal(rec.invalidDropped, 1);
  assert.deepEqual(Array.from(rec.x), [1, 127, 5, 64, 3]);
  assert.deepEqual(Array.from(rec.y), [2, 0, 6, 100, 4]);
  assert.deepEqual(Array.from(rec.p), [1, 0, 1, 0, 1]);
  assert.deepEqual(Array.from(rec.t), [100, 150, 200, 220, 5 + TWO31]);
});

test('keepInvalid reads every eventCapacity slot and ignores validity (compatibility mode)', () => {
  const warnings: string[] = [];
  const rec = parseAedat31(fixture(), 'fixture.aedat', { keepInvalid: true, onWarning: (w) => warnings.push(w) });
  // 2 + 4 slots + 1; the garbage slot has ts 5, so the stream is re-sorted, with a warning.
  assert.equal(rec.t.length, 7);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /fixture\.aedat.*sorted/);
  for (let i = 1; i < rec.t.length; i++) assert.ok(rec.t[i] >= rec.t[i - 1]);
  assert.equal(rec.t[0], 5);
  assert.equal(rec.x[0], 99);
});

test('out-of-order timestamps are stable-sorted with a warning', () => {
  const bytes = encodeAedatPackets([packet({ events: [rawEvent(1, 1, 1, 300), rawEvent(2, 2, 1, 100), rawEvent(3, 3, 0, 100)] })]);
  const warnings: string[] = [];
  const rec = parseAedat31(bytes, 'unsorted.aedat', { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(Array.from(rec.t), [100, 100, 300]);
  assert.deepEqual(Array.from(rec.x), [2, 3, 1]); // ties keep their order
  assert.equal(warnings.length, 1);
});

test('writer round trip through the file system, including overflowed timestamps and CRLF header', () => {
  const dir = tempDir();
  const n = 10000;
  const ev = {
    x: Int16Array.from({ length: n }, (_, i) => i % 128),
    y: Int16Array.from({ length: n }, (_, i) => (i * 7) % 128),
    p: Uint8Array.from({ length: n }, (_, i) => i & 1),
    t: Float64Array.from({ length: n }, (_, i) => TWO31 - 5000 + i),
  };
  const file = join(dir, 'rt.aedat');
  writeFileSync(file, encodeAedat31(ev, ['round trip']));
  const rec = readAedat31(file);
  assert.deepEqual(rec.x, ev.x);
  assert.deepEqual(rec.y, ev.y);
  assert.deepEqual(rec.p, ev.p);
  assert.deepEqual(rec.t, ev.t);
  assert.ok(rec.header.includes('# round trip'));
  assert.ok(polarityPackets(ev).some((p) => p.tsOverflow === 1));
});

test('malformed AEDAT files give a UserError naming the file', () => {
  const dir = tempDir();
  const write = (name: string, bytes: Uint8Array | string): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const good = fixture();
  const v2 = write('v2.aedat', Buffer.concat([Buffer.from('#!AER-DAT2.0\r\n# This is a raw AE data file\r\n#!END-HEADER\r\n'), Buffer.alloc(16)]));
  throwsUser(() => readAedat31(v2), v2, 'version 2.0', 'only AEDAT 3.1');
  const v4 = write('v4.aedat', '#!AER-DAT4.0\r\n#!END-HEADER\r\n');
  throwsUser(() => readAedat31(v4), v4, 'version 4.0');
  const notAedat = write('notes.aedat', 'hello world\n');
  throwsUser(() => readAedat31(notAedat), notAedat, 'not an AEDAT file');
  const otherHeader = write('other.aedat', '#!NOT-AEDAT\r\n#!END-HEADER\r\n');
  throwsUser(() => readAedat31(otherHeader), otherHeader, 'not an AEDAT file');
  const noEnd = write('noend.aedat', Buffer.concat([Buffer.from('#!AER-DAT3.1\r\n#Format: RAW\r\n'), Buffer.from([1, 0, 1, 0])]));
  throwsUser(() => readAedat31(noEnd), noEnd, "no '#!END-HEADER'");
  const truncBody = write('trunc.aedat', good.subarray(0, good.length - 3));
  throwsUser(() => readAedat31(truncBody), truncBody, 'truncated', 'announces 8 bytes');
  const truncHead = write('trunc-head.aedat', Uint8Array.from([...good, 1, 0, 8, 0]));
  throwsUser(() => readAedat31(truncHead), truncHead, 'truncated', '28-byte packet header');
  const over = write('over.aedat', encodeAedatPackets([packet({ events: [rawEvent(1, 1, 1, 1)], number: 2 })]));
  throwsUser(() => readAedat31(over), over, 'eventNumber 2 exceeds eventCapacity 1');
  const small = write('small.aedat', encodeAedatPackets([{ eventType: 1, eventSize: 4, tsOffset: 4, tsOverflow: 0, capacity: 1, number: 1, valid: 1, body: new Uint8Array(4) }]));
  throwsUser(() => readAedat31(small), small, 'eventSize ≥ 8');
  throwsUser(() => readAedat31(join(dir, 'missing.aedat')), 'missing.aedat', 'ENOENT');
});
