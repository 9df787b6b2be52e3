/**
 * On-disk cache of preprocessed DVS samples (binary frames stored as spike trains).
 *
 * Layout: `<dir>/<paramsKey>/params.json` (the preprocessing parameters, human-readable) and one
 * `<sampleKey>.spk` file per sample. `paramsKey` hashes every parameter that changes the frames (filter time,
 * bins, binning, sensor, reader options, format version), so changing one lands in a fresh folder; `sampleKey`
 * hashes the source file's path, size and mtime and the segment, so an edited recording is recomputed.
 * Files are written to a temporary name and renamed, so concurrent workers never see half a file.
 *
 * .spk file: "SPKT", u32 version, u32 T, u32 nInputs, u32 nnz, u32 offsets[T+1], then u16 (or u32 when
 * nInputs > 65536) indices; little-endian.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SpikeTrains } from '../spikes.js';

const MAGIC = 0x544b5053; // "SPKT" read as little-endian u32
const VERSION = 1;
const HEADER = 20;

/**
 * Default cache folder: `$SPIKEOPT_CACHE_DIR`, else `$XDG_CACHE_HOME/spikeopt`, else `~/.cache/spikeopt`,
 * with a `dvs-frames` subfolder.
 */
export function defaultCacheDir(): string {
  const base = process.env.SPIKEOPT_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'spikeopt');
  return join(base, 'dvs-frames');
}

/** Short SHA-256 of a JSON-able value with sorted keys. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 20);
}

/** Serialises spike trains to the .spk format. */
export function encodeTrains(s: SpikeTrains): Uint8Array {
  const nnz = s.offsets[s.T];
  const wide = s.nInputs > 65536;
  const size = HEADER + 4 * (s.T + 1) + nnz * (wide ? 4 : 2);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint32(4, VERSION, true);
  v.setUint32(8, s.T, true);
  v.setUint32(12, s.nInputs, true);
  v.setUint32(16, nnz, true);
  for (let t = 0; t <= s.T; t++) v.setUint32(HEADER + 4 * t, s.offsets[t], true);
  const base = HEADER + 4 * (s.T + 1);
  for (let k = 0; k < nnz; k++) {
    if (wide) v.setUint32(base + 4 * k, s.indices[k], true);
    else v.setUint16(base + 2 * k, s.indices[k], true);
  }
  return out;
}

/** Parses a .spk buffer; returns undefined when it is not a complete, valid file. */
export function decodeTrains(b: Uint8Array): SpikeTrains | undefined {
  if (b.length < HEADER) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== MAGIC || v.getUint32(4, true) !== VERSION) return undefined;
  const T = v.getUint32(8, true);
  const nInputs = v.getUint32(12, true);
  const nnz = v.getUint32(16, true);
  const wide = nInputs > 65536;
  const base = HEADER + 4 * (T + 1);
  if (b.length !== base + nnz * (wide ? 4 : 2)) return undefined;
  const offsets = new Uint32Array(T + 1);
  for (let t = 0; t <= T; t++) offsets[t] = v.getUint32(HEADER + 4 * t, true);
  if (offsets[T] !== nnz) return undefined;
  const indices = wide ? new Uint32Array(nnz) : new Uint16Array(nnz);
  // Copy into a fresh, aligned array (the file buffer's offset need not be aligned).
  new Uint8Array(indices.buffer).set(b.subarray(base, base + indices.byteLength));
  return { T, nInputs, offsets, indices };
}

/** A cache folder for one set of preprocessing parameters. */
export class FrameCache {
  /** Folder holding this parameter set's samples. */
  readonly dir: string;
  readonly paramsKey: string;
  hits = 0;
  misses = 0;
  writes = 0;

  /** @param root cache root (see {@link defaultCacheDir}); @param params everything that changes the frames. */
  constructor(
    readonly root: string,
    readonly params: Record<string, unknown>,
  ) {
    this.paramsKey = stableHash({ version: VERSION, ...params });
    this.dir = join(root, this.paramsKey);
  }

  /** Path of a sample's file. */
  pathOf(sampleKey: string): string {
    return join(this.dir, `${sampleKey}.spk`);
  }

  /** Cached trains of a sample, or undefined (missing or unreadable files count as misses). */
  get(sampleKey: string): SpikeTrains | undefined {
    const p = this.pathOf(sampleKey);
    let s: SpikeTrains | undefined;
    try {
      const buf = readFileSync(p);
      s = decodeTrains(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    } catch {
      s = undefined;
    }
    if (s) this.hits++;
    else this.misses++;
    return s;
  }

  /** Stores a sample atomically. */
  put(sampleKey: string, trains: SpikeTrains): void {
    this.ensureDir();
    const p = this.pathOf(sampleKey);
    const tmp = `${p}.${process.pid}.${Math.floor(Math.random() * 1e9)}.tmp`;
    writeFileSync(tmp, encodeTrains(trains));
    renameSync(tmp, p);
    this.writes++;
  }

  /** Cached value or `compute()`, stored for next time. */
  getOrCompute(sampleKey: string, compute: () => SpikeTrains): SpikeTrains {
    const hit = this.get(sampleKey);
    if (hit) return hit;
    const fresh = compute();
    this.put(sampleKey, fresh);
    return fresh;
  }

  private ensured = false;
  private ensureDir(): void {
    if (this.ensured) return;
    mkdirSync(this.dir, { recursive: true });
    const pj = join(this.dir, 'params.json');
    if (!existsSync(pj)) writeFileSync(pj, `${JSON.stringify({ version: VERSION, ...this.params }, null, 2)}\n`);
    this.ensured = true;
  }
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}
