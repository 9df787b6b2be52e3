/**
 * NumPy `.npy` reader and writer for plain numeric arrays (spec datasets.md §3.3): versions 1.0, 2.0 and 3.0,
 * little- or big-endian integers, floats and booleans, C or Fortran order. Values are returned as float64 in
 * C order, which holds every event field exactly (int64 timestamps stay below 2^53).
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.js';

/** A decoded array. */
export interface NpyArray {
  /** The header's dtype string, e.g. "<i8". */
  readonly descr: string;
  readonly shape: number[];
  /** Whether the file stored the data in Fortran (column-major) order; `data` is always C order. */
  readonly fortranOrder: boolean;
  readonly version: string;
  /** Values in C (row-major) order. */
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Kind {
  size: number;
  read: (v: DataView, off: number, le: boolean) => number;
}

const KINDS: Record<string, Kind> = {
  b1: { size: 1, read: (v, o) => (v.getUint8(o) ? 1 : 0) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  f2: { size: 2, read: (v, o, le) => halfToFloat(v.getUint16(o, le)) },
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
};

/** Parses `.npy` bytes; `file` names the source in error messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new UserError(`File ${file} is not a .npy file: it does not start with the \\x93NUMPY magic string.`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new UserError(`.npy file ${file} is truncated inside its header.`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new UserError(`.npy file ${file} has format version ${major}.${minor}; versions 1.0, 2.0 and 3.0 are supported.`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new UserError(`.npy file ${file} is truncated inside its header.`);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');

  if (/'descr'\s*:\s*\[/.test(header)) {
    throw new UserError(`.npy file ${file} holds a structured (record) dtype; expected a plain 2-D numeric array.`);
  }
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UserError(`.npy file ${file} has an unreadable header (need 'descr', 'fortran_order' and 'shape'): ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new UserError(`.npy file ${file} has an invalid shape (${shapeText}).`);

  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) {
    throw new UserError(
      `.npy file ${file} has dtype '${descr}'; expected an integer, float or boolean type (e.g. '<i8', '<f8', '<u4').`,
    );
  }
  // '=' is native order; every platform Node runs on here is little-endian.
  const le = m[1] !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * kind.size;
  if (bytes.length - dataStart < need) {
    throw new UserError(
      `.npy file ${file} is truncated: shape (${shape.join(', ')}) of '${descr}' needs ${need} bytes of data but ${bytes.length - dataStart} follow.`,
    );
  }
  const data = new Float64Array(count);
  const fortranOrder = fortran === 'True';
  const read = kind.read;
  const size = kind.size;
  if (!fortranOrder || shape.length < 2) {
    for (let i = 0; i < count; i++) data[i] = read(view, dataStart + i * size, le);
  } else {
    // Column-major storage: element with C index i has Fortran index computed from reversed strides.
    const strides = fortranStrides(shape);
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      let f = 0;
      for (let d = 0; d < shape.length; d++) f += idx[d] * strides[d];
      data[i] = read(view, dataStart + f * size, le);
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  return { descr, shape, fortranOrder, version: `${major}.${minor}`, data };
}

/** Reads a `.npy` file. */
export function readNpy(file: string): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new UserError(`Cannot read .npy file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  return parseNpy(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file);
}

/** Options of {@link encodeNpy}. */
export interface NpyWriteOptions {
  /** dtype string, default '<i8'. */
  descr?: string;
  /** Format version 1, 2 or 3 (default 1). */
  version?: 1 | 2 | 3;
  /** Store in Fortran order (values are still given in C order). */
  fortranOrder?: boolean;
}

/** Encodes C-order `values` of `shape` as a `.npy` file. */
export function encodeNpy(values: ArrayLike<number>, shape: readonly number[], opts: NpyWriteOptions = {}): Uint8Array {
  const descr = opts.descr ?? '<i8';
  const version = opts.version ?? 1;
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) throw new RangeError(`encodeNpy: unsupported dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new RangeError(`encodeNpy: ${values.length} values for shape ${shape.join('×')}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  // Pad with spaces and a final newline so that the data start on a 64-byte boundary.
  const padded = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(padded - pre - 1, ' ') + '\n';
  const out = new Uint8Array(padded + count * kind.size);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  out.set(Buffer.from(dict, 'latin1'), pre);
  const le = m[1] !== '>';
  const write = writer(`${m[2]}${m[3]}`);
  const order = opts.fortranOrder && shape.length >= 2 ? fortranPermutation(shape) : null;
  for (let i = 0; i < count; i++) write(view, padded + (order ? order[i] : i) * kind.size, values[i], le);
  return out;
}

function writer(code: string): (v: DataView, off: number, x: number, le: boolean) => void {
  switch (code) {
    case 'b1':
    case 'u1':
      return (v, o, x) => v.setUint8(o, x);
    case 'i1':
      return (v, o, x) => v.setInt8(o, x);
    case 'i2':
      return (v, o, x, le) => v.setInt16(o, x, le);
    case 'u2':
      return (v, o, x, le) => v.setUint16(o, x, le);
    case 'i4':
      return (v, o, x, le) => v.setInt32(o, x, le);
    case 'u4':
      return (v, o, x, le) => v.setUint32(o, x, le);
    case 'i8':
      return (v, o, x, le) => v.setBigInt64(o, BigInt(Math.round(x)), le);
    case 'u8':
      return (v, o, x, le) => v.setBigUint64(o, BigInt(Math.round(x)), le);
    case 'f4':
      return (v, o, x, le) => v.setFloat32(o, x, le);
    case 'f8':
      return (v, o, x, le) => v.setFloat64(o, x, le);
    default:
      throw new RangeError(`encodeNpy: cannot write dtype ${code}`);
  }
}

function fortranStrides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = 0; d < shape.length; d++) {
    s.push(acc);
    acc *= shape[d];
  }
  return s;
}

/** For each C-order position, its Fortran-order position. */
function fortranPermutation(shape: readonly number[]): Uint32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const strides = fortranStrides(shape);
  const out = new Uint32Array(count);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let f = 0;
    for (let d = 0; d < shape.length; d++) f += idx[d] * strides[d];
    out[i] = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
