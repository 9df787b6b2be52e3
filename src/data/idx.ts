/**
 * Reader (and small writer) for the IDX format used by MNIST and Fashion-MNIST.
 *
 * Layout (all header integers big-endian uint32): magic 0x0000TTDD (TT = element type, DD = number of
 * dimensions), then DD dimension sizes, then the payload in row-major order. Only unsigned bytes (type 0x08)
 * are supported, which covers every image/label file of the MNIST family. Gzipped files are accepted whatever
 * their name (detected by the gzip magic bytes).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../util/errors.js';

/** A parsed IDX file: dimensions and a view of the payload (not a copy). */
export interface IdxArray {
  /** Dimension sizes, e.g. [60000, 28, 28]. */
  readonly dims: number[];
  /** Row-major payload, a view into the file's buffer. */
  readonly data: Uint8Array;
  /** The path the data came from (for messages). */
  readonly file: string;
}

const IDX_UBYTE = 0x08;

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses IDX bytes. `file` only names the source in error messages; `expectDims` (optional) checks the number
 * of dimensions (3 for images, 1 for labels).
 */
export function parseIdx(raw: Uint8Array, file: string, expectDims?: number): IdxArray {
  let bytes = raw;
  if (isGzip(bytes)) {
    try {
      const b = gunzipSync(bytes);
      bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      throw new UserError(`IDX file ${file} looks gzipped but could not be decompressed (${(err as Error).message}).`);
    }
  }
  if (bytes.length < 4) {
    throw new UserError(`IDX file ${file} is truncated: ${bytes.length} bytes, shorter than the 4-byte magic number.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || ndims === 0) {
    throw new UserError(
      `IDX file ${file} has magic number 0x${hex8(magic)}, which is not an IDX magic (expected 0x000008DD, e.g. 0x00000803 for images).`,
    );
  }
  if (type !== IDX_UBYTE) {
    throw new UserError(
      `IDX file ${file} has element type 0x${type.toString(16).padStart(2, '0')} (magic 0x${hex8(magic)}); only unsigned bytes (0x08) are supported.`,
    );
  }
  if (expectDims !== undefined && ndims !== expectDims) {
    throw new UserError(
      `IDX file ${file} has ${ndims} dimension(s) (magic 0x${hex8(magic)}); expected ${expectDims} (0x0000080${expectDims}).`,
    );
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new UserError(`IDX file ${file} is truncated inside its header: ${bytes.length} bytes, the header needs ${headerLen}.`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    count *= n;
  }
  const payload = bytes.length - headerLen;
  if (payload < count) {
    throw new UserError(
      `IDX file ${file} is truncated: its header announces ${dims.join('×')} = ${count} bytes of data but only ${payload} follow.`,
    );
  }
  if (payload > count) {
    throw new UserError(
      `IDX file ${file} is corrupt: its header announces ${dims.join('×')} = ${count} bytes of data but ${payload} follow.`,
    );
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLen, count), file };
}

/** Reads and parses an IDX file (plain or gzipped) from disk. */
export function readIdx(file: string, expectDims?: number): IdxArray {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new UserError(`Cannot read IDX file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  return parseIdx(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file, expectDims);
}

/** Encodes an unsigned-byte IDX file (used for fixtures and for exporting subsets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: dims ${dims.join('×')} do not match ${data.length} bytes`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (IDX_UBYTE << 8) | dims.length, false);
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
