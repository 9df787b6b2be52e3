/**
 * AEDAT 3.1 reader and writer (spec datasets.md §3.2), for the original DVS128 Gesture release.
 *
 * File: ASCII header lines starting with '#' (first `#!AER-DAT3.1`, last `#!END-HEADER`, CRLF endings), then
 * packets, each a 28-byte little-endian header followed by eventCapacity·eventSize bytes. Only polarity packets
 * (eventType 1) are decoded; other packets are skipped whole.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.js';
import { allocEvents, isSorted, sortByTime, type DvsEvents } from './events.js';

/** Options of the AEDAT reader. */
export interface AedatReadOptions {
  /**
   * Read all eventCapacity slots of each packet and ignore the validity bit, like parsers that do so
   * (compatibility); default false: the first eventNumber events, invalid ones dropped.
   */
  keepInvalid?: boolean;
  /** Where warnings go (unsorted timestamps); default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** A decoded recording. */
export interface AedatRecording extends DvsEvents {
  /** Header lines without line endings, e.g. ["#!AER-DAT3.1", "#Format: RAW", ...]. */
  readonly header: string[];
  readonly packets: number;
  /** Packets of another event type, skipped. */
  readonly skippedPackets: number;
  /** Events dropped because their validity bit was 0. */
  readonly invalidDropped: number;
}

const PACKET_HEADER = 28;
const POLARITY = 1;
const TS_OVERFLOW = 2147483648; // 2^31

/** Decodes AEDAT 3.1 bytes; `file` names the source in error messages. */
export function parseAedat31(bytes: Uint8Array, file: string, opts: AedatReadOptions = {}): AedatRecording {
  const { header, dataStart } = parseHeader(bytes, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keepInvalid = !!opts.keepInvalid;

  // Pass 1: validate packet headers and count the slots to decode.
  let slots = 0;
  let packets = 0;
  let skipped = 0;
  for (let off = dataStart; off < bytes.length; ) {
    const h = readPacketHeader(view, off, bytes.length, file);
    if (h.eventType === POLARITY) slots += keepInvalid ? h.capacity : h.number;
    else skipped++;
    packets++;
    off += PACKET_HEADER + h.capacity * h.eventSize;
  }

  // Pass 2: decode polarity events.
  const ev = allocEvents(slots);
  let n = 0;
  let invalid = 0;
  for (let off = dataStart; off < bytes.length; ) {
    const h = readPacketHeader(view, off, bytes.length, file);
    const body = off + PACKET_HEADER;
    if (h.eventType === POLARITY) {
      const m = keepInvalid ? h.capacity : h.number;
      const base = h.tsOverflow * TS_OVERFLOW;
      for (let k = 0; k < m; k++) {
        const e = body + k * h.eventSize;
        const data = view.getUint32(e, true);
        if (!keepInvalid && (data & 1) === 0) {
          invalid++;
          continue;
        }
        ev.p[n] = (data >>> 1) & 1;
        ev.y[n] = (data >>> 2) & 0x7fff;
        ev.x[n] = (data >>> 17) & 0x7fff;
        ev.t[n] = view.getUint32(e + h.tsOffset, true) + base;
        n++;
      }
    }
    off = body + h.capacity * h.eventSize;
  }
  let events: DvsEvents = { x: ev.x.subarray(0, n), y: ev.y.subarray(0, n), p: ev.p.subarray(0, n), t: ev.t.subarray(0, n) };
  if (!isSorted(events.t)) {
    (opts.onWarning ?? console.warn)(`AEDAT file ${file}: timestamps decrease somewhere; events were stable-sorted by time.`);
    events = sortByTime(events);
  }
  return { ...events, header, packets, skippedPackets: skipped, invalidDropped: invalid };
}

/** Reads and decodes an AEDAT 3.1 file. */
export function readAedat31(file: string, opts: AedatReadOptions = {}): AedatRecording {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new UserError(`Cannot read AEDAT file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  return parseAedat31(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file, opts);
}

interface PacketHeader {
  eventType: number;
  eventSource: number;
  eventSize: number;
  tsOffset: number;
  tsOverflow: number;
  capacity: number;
  number: number;
  valid: number;
}

function readPacketHeader(view: DataView, off: number, end: number, file: string): PacketHeader {
  if (end - off < PACKET_HEADER) {
    throw new UserError(
      `AEDAT file ${file} is truncated: ${end - off} bytes remain at offset ${off}, less than a 28-byte packet header.`,
    );
  }
  const h: PacketHeader = {
    eventType: view.getUint16(off, true),
    eventSource: view.getUint16(off + 2, true),
    eventSize: view.getUint32(off + 4, true),
    tsOffset: view.getUint32(off + 8, true),
    tsOverflow: view.getUint32(off + 12, true),
    capacity: view.getUint32(off + 16, true),
    number: view.getUint32(off + 20, true),
    valid: view.getUint32(off + 24, true),
  };
  const where = `AEDAT file ${file}, packet at offset ${off}`;
  if (h.eventSize === 0 && h.capacity > 0) throw new UserError(`${where} is corrupt: eventSize is 0.`);
  if (h.number > h.capacity) {
    throw new UserError(`${where} is corrupt: eventNumber ${h.number} exceeds eventCapacity ${h.capacity}.`);
  }
  if (h.eventType === POLARITY && (h.eventSize < 8 || h.tsOffset + 4 > h.eventSize)) {
    throw new UserError(
      `${where} is corrupt: polarity events need eventSize ≥ 8 and a timestamp inside the event (eventSize ${h.eventSize}, eventTSOffset ${h.tsOffset}).`,
    );
  }
  const bodyLen = h.capacity * h.eventSize;
  if (off + PACKET_HEADER + bodyLen > end) {
    throw new UserError(
      `${where} is truncated: the packet announces ${bodyLen} bytes of events but ${end - off - PACKET_HEADER} remain.`,
    );
  }
  return h;
}

function parseHeader(bytes: Uint8Array, file: string): { header: string[]; dataStart: number } {
  const lines: string[] = [];
  let off = 0;
  for (;;) {
    if (off >= bytes.length || bytes[off] !== 0x23 /* '#' */) {
      if (lines.length === 0) throw new UserError(`File ${file} is not an AEDAT file: it does not start with a '#!AER-DAT' header line.`);
      throw new UserError(`AEDAT file ${file} has no '#!END-HEADER' line: the header ends at byte ${off} without it.`);
    }
    let eol = bytes.indexOf(0x0a, off);
    if (eol < 0) eol = bytes.length;
    let line = latin1(bytes.subarray(off, eol));
    if (line.endsWith('\r')) line = line.slice(0, -1);
    lines.push(line);
    off = eol + 1;
    if (lines.length === 1) checkVersion(line, file);
    if (line === '#!END-HEADER') return { header: lines, dataStart: Math.min(off, bytes.length) };
  }
}

function checkVersion(first: string, file: string): void {
  const m = /^#!AER-DAT(\d+(?:\.\d+)?)\s*$/.exec(first);
  if (!m) throw new UserError(`File ${file} is not an AEDAT file: its first line is "${first.slice(0, 40)}", expected "#!AER-DAT3.1".`);
  if (m[1] !== '3.1') {
    throw new UserError(`AEDAT file ${file} is version ${m[1]}; only AEDAT 3.1 (the DVS128 Gesture release format) is supported.`);
  }
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

// ---------------------------------------------------------------------------------------------------------
// Writer (synthetic recordings and test fixtures).

/** One packet to write; the body is raw event bytes (eventCapacity·eventSize of them). */
export interface AedatPacket {
  eventType: number;
  eventSource?: number;
  eventSize: number;
  tsOffset: number;
  tsOverflow: number;
  capacity: number;
  number: number;
  valid: number;
  body: Uint8Array;
}

/** Assembles an AEDAT 3.1 file from header comment lines and packets. */
export function encodeAedatPackets(packets: readonly AedatPacket[], comments: readonly string[] = []): Uint8Array {
  const head =
    ['#!AER-DAT3.1', '#Format: RAW', '#Source 1: DVS128', ...comments.map((c) => `# ${c}`), '#!END-HEADER']
      .map((l) => `${l}\r\n`)
      .join('');
  const headBytes = Buffer.from(head, 'latin1');
  let total = headBytes.length;
  for (const p of packets) total += PACKET_HEADER + p.body.length;
  const out = new Uint8Array(total);
  out.set(headBytes, 0);
  const view = new DataView(out.buffer);
  let off = headBytes.length;
  for (const p of packets) {
    view.setUint16(off, p.eventType, true);
    view.setUint16(off + 2, p.eventSource ?? 1, true);
    view.setUint32(off + 4, p.eventSize, true);
    view.setUint32(off + 8, p.tsOffset, true);
    view.setUint32(off + 12, p.tsOverflow, true);
    view.setUint32(off + 16, p.capacity, true);
    view.setUint32(off + 20, p.number, true);
    view.setUint32(off + 24, p.valid, true);
    out.set(p.body, off + PACKET_HEADER);
    off += PACKET_HEADER + p.body.length;
  }
  return out;
}

/**
 * Polarity packets for events[i..j) (all valid), sharing one timestamp-overflow value per packet as the format
 * requires. `spare` extra zeroed slots per packet exercise readers that must honour eventNumber.
 */
export function polarityPackets(ev: DvsEvents, eventsPerPacket = 4096, spare = 0): AedatPacket[] {
  const packets: AedatPacket[] = [];
  const n = ev.t.length;
  let i = 0;
  while (i < n) {
    const overflow = Math.floor(ev.t[i] / TS_OVERFLOW);
    let j = i;
    while (j < n && j - i < eventsPerPacket && Math.floor(ev.t[j] / TS_OVERFLOW) === overflow) j++;
    const capacity = j - i + spare;
    const body = new Uint8Array(capacity * 8);
    const v = new DataView(body.buffer);
    for (let k = i; k < j; k++) {
      const data = 1 | ((ev.p[k] & 1) << 1) | ((ev.y[k] & 0x7fff) << 2) | ((ev.x[k] & 0x7fff) << 17);
      v.setUint32((k - i) * 8, data >>> 0, true);
      v.setUint32((k - i) * 8 + 4, ev.t[k] - overflow * TS_OVERFLOW, true);
    }
    packets.push({ eventType: POLARITY, eventSize: 8, tsOffset: 4, tsOverflow: overflow, capacity, number: j - i, valid: j - i, body });
    i = j;
  }
  return packets;
}

/** Encodes sorted events as an AEDAT 3.1 file (timestamps must be integers, in µs). */
export function encodeAedat31(ev: DvsEvents, comments: readonly string[] = []): Uint8Array {
  return encodeAedatPackets(polarityPackets(ev), comments);
}
