/**
 * DVS128 Gesture layouts (spec datasets.md §2–3): the original release (AEDAT 3.1 recordings with label CSVs,
 * split by `trials_to_train.txt` / `trials_to_test.txt`) and Tonic's pre-converted copy (one `.npy` event
 * array per (trial, class), t in ms). Both give the same {@link DvsSample}. Indexing reads only names, CSVs and
 * file sizes; events are read on demand, with a small LRU of decoded files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../../util/errors.js';
import { readAedat31, type AedatReadOptions } from './aedat.js';
import { readNpy } from './npy.js';
import { allocEvents, eventsInWindow, isSorted, sortByTime, type DvsEvents, type DvsSample } from './events.js';

/** The 11 classes, by 0-based label. */
export const GESTURE_CLASSES = [
  'hand clapping',
  'right hand wave',
  'left hand wave',
  'right arm clockwise',
  'right arm counter-clockwise',
  'left arm clockwise',
  'left arm counter-clockwise',
  'arm roll',
  'air drums',
  'air guitar',
  'other gestures',
] as const;

/** Number of gesture classes. */
export const N_GESTURE_CLASSES = 11;

/** Users 1–23 are the official training subjects, 24–29 the test subjects. */
export const LAST_TRAIN_USER = 23;

/** Name of the marker file that every synthetic dataset carries at its root. */
export const SYNTHETIC_MARKER = 'SYNTHETIC.json';

/** On-disk layout: the original release or Tonic's `.npy` copy. */
export type GestureFormat = 'aedat' | 'tonic-npy';

/** Official split. */
export type GestureSplit = 'train' | 'test';

/** What to do when a class occurs twice in one AEDAT recording (the Tonic copy kept one segment). */
export type DuplicateClassPolicy = 'all' | 'first' | 'last';

/** One sample of the index: enough to find, load and cache it. */
export interface GestureEntry {
  /** Stable identifier, e.g. "user02_lab#3" (AEDAT segment 3) or "user02_lab/4.npy". */
  readonly id: string;
  readonly split: GestureSplit;
  readonly label: number;
  readonly user: number;
  readonly lighting: string;
  readonly source: 'aedat' | 'tonic-npy';
  /** Absolute path of the events file. */
  readonly file: string;
  /** Size and modification time of the file (part of the cache key). */
  readonly fileSize: number;
  readonly fileMtimeMs: number;
  /** AEDAT only: row of the label CSV, and the segment's [start, end) in µs. */
  readonly segmentIndex?: number;
  readonly startUs?: number;
  readonly endUs?: number;
}

/** Options of {@link indexGesture}. */
export interface GestureIndexOptions {
  /** Folder of the dataset (or a parent of `DvsGesture/` or `DVSGesture/`). */
  root: string;
  /** Layout; 'auto' (default) detects it. */
  format?: GestureFormat | 'auto';
  split: GestureSplit;
  /** AEDAT only (default 'all'). */
  duplicateClassPolicy?: DuplicateClassPolicy;
}

/** The samples of one split. */
export interface GestureIndex {
  readonly format: GestureFormat;
  /** The folder actually read. */
  readonly dir: string;
  readonly split: GestureSplit;
  readonly synthetic: boolean;
  readonly entries: GestureEntry[];
}

/** One labelled segment of an AEDAT recording. */
export interface LabelSegment {
  /** 0-based label (CSV class − 1). */
  label: number;
  startUs: number;
  endUs: number;
}

/** Parses a `userNN_<lighting>_labels.csv` file's text. */
export function parseLabelsCsv(text: string, file: string): LabelSegment[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: LabelSegment[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const cells = line.split(',').map((c) => c.trim());
    if (i === 0 && !/^\d/.test(cells[0])) {
      if (cells.length < 3 || cells[0] !== 'class') {
        throw new UserError(`Labels file ${file} line 1: expected the header "class,startTime_usec,endTime_usec", got "${line}".`);
      }
      return;
    }
    if (cells.length !== 3 || cells.some((c) => !/^\d+$/.test(c))) {
      throw new UserError(`Labels file ${file} line ${i + 1}: expected three non-negative integers "class,start,end", got "${line}".`);
    }
    const [cls, start, end] = cells.map(Number);
    if (cls < 1 || cls > N_GESTURE_CLASSES) {
      throw new UserError(`Labels file ${file} line ${i + 1}: unknown class ${cls} (expected 1 to ${N_GESTURE_CLASSES}).`);
    }
    if (end <= start) {
      throw new UserError(`Labels file ${file} line ${i + 1}: end time ${end} µs is not after start time ${start} µs.`);
    }
    out.push({ label: cls - 1, startUs: start, endUs: end });
  });
  return out;
}

/** Parses a `trials_to_*.txt` list (one `.aedat` name per line). */
export function parseTrialsList(text: string, file: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const [i, n] of names.entries()) {
    if (!n.endsWith('.aedat')) throw new UserError(`Trials list ${file} line ${i + 1}: expected an .aedat file name, got "${n}".`);
  }
  return names.map((n) => basename(n));
}

/** Parses "userNN_lighting" (with or without `.aedat`); throws naming `where` otherwise. */
export function parseTrialName(name: string, where: string): { user: number; lighting: string } {
  const m = /^user(\d+)_(.+?)(?:\.aedat)?$/.exec(name);
  if (!m) throw new UserError(`${where}: "${name}" is not a trial name of the form userNN_<lighting>.`);
  const user = Number(m[1]);
  if (user < 1 || user > 29) throw new UserError(`${where}: user ${user} in "${name}" is outside 1–29.`);
  return { user, lighting: m[2] };
}

/** Finds the dataset folder and its layout below `root`. */
export function detectGestureLayout(root: string, format: GestureFormat | 'auto' = 'auto'): { format: GestureFormat; dir: string } {
  const r = resolve(root);
  if (!existsSync(r)) throw new UserError(`DVS Gesture folder ${root} does not exist.`);
  const aedatDirs = [r, join(r, 'DvsGesture')];
  const npyDirs = [r, join(r, 'DVSGesture')];
  const isAedat = (d: string): boolean => existsSync(join(d, 'trials_to_train.txt')) || existsSync(join(d, 'trials_to_test.txt'));
  const isNpy = (d: string): boolean => existsSync(join(d, 'ibmGestureTrain')) || existsSync(join(d, 'ibmGestureTest'));
  if (format !== 'tonic-npy') {
    const d = aedatDirs.find(isAedat);
    if (d) return { format: 'aedat', dir: d };
  }
  if (format !== 'aedat') {
    const d = npyDirs.find(isNpy);
    if (d) return { format: 'tonic-npy', dir: d };
  }
  const want =
    format === 'aedat'
      ? 'trials_to_train.txt / trials_to_test.txt (original AEDAT release)'
      : format === 'tonic-npy'
        ? 'ibmGestureTrain/ or ibmGestureTest/ (Tonic .npy copy)'
        : 'trials_to_train.txt (AEDAT release) or ibmGestureTrain/ (Tonic .npy copy)';
  throw new UserError(`DVS Gesture folder ${root} has neither itself nor a DvsGesture/DVSGesture subfolder with ${want}.`);
}

/** True when `dir` or `root` carries the synthetic-data marker. */
export function isSyntheticDataset(...dirs: string[]): boolean {
  return dirs.some((d) => existsSync(join(d, SYNTHETIC_MARKER)));
}

/** Lists the samples of one split. */
export function indexGesture(opts: GestureIndexOptions): GestureIndex {
  const { format, dir } = detectGestureLayout(opts.root, opts.format ?? 'auto');
  const synthetic = isSyntheticDataset(resolve(opts.root), dir);
  const entries =
    format === 'aedat' ? indexAedat(dir, opts.split, opts.duplicateClassPolicy ?? 'all') : indexNpy(dir, opts.split);
  return { format, dir, split: opts.split, synthetic, entries };
}

function indexAedat(dir: string, split: GestureSplit, policy: DuplicateClassPolicy): GestureEntry[] {
  const listFile = join(dir, split === 'train' ? 'trials_to_train.txt' : 'trials_to_test.txt');
  let trials: string[];
  if (existsSync(listFile)) {
    trials = parseTrialsList(readFileSync(listFile, 'utf8'), listFile);
  } else {
    // Without the list, fall back on the official rule: users 1–23 train, 24–29 test.
    trials = readdirSync(dir)
      .filter((f) => /^user\d+_.+\.aedat$/.test(f))
      .filter((f) => (parseTrialName(f, dir).user <= LAST_TRAIN_USER) === (split === 'train'))
      .sort();
  }
  const entries: GestureEntry[] = [];
  for (const name of trials) {
    const file = join(dir, name);
    const { user, lighting } = parseTrialName(name, listFile);
    if (!existsSync(file)) throw new UserError(`Recording ${file}, listed in ${listFile}, does not exist.`);
    const csv = file.replace(/\.aedat$/, '_labels.csv');
    if (!existsSync(csv)) throw new UserError(`Recording ${file} has no labels file ${csv}.`);
    const segments = parseLabelsCsv(readFileSync(csv, 'utf8'), csv);
    const st = statSync(file);
    segments.forEach((s, k) => {
      if (policy !== 'all') {
        const same = segments.map((o, j) => (o.label === s.label ? j : -1)).filter((j) => j >= 0);
        if (k !== (policy === 'first' ? same[0] : same[same.length - 1])) return;
      }
      entries.push({
        id: `${name.replace(/\.aedat$/, '')}#${k}`,
        split,
        label: s.label,
        user,
        lighting,
        source: 'aedat',
        file,
        fileSize: st.size,
        fileMtimeMs: st.mtimeMs,
        segmentIndex: k,
        startUs: s.startUs,
        endUs: s.endUs,
      });
    });
  }
  return entries;
}

function indexNpy(dir: string, split: GestureSplit): GestureEntry[] {
  const splitDir = join(dir, split === 'train' ? 'ibmGestureTrain' : 'ibmGestureTest');
  if (!existsSync(splitDir)) throw new UserError(`DVS Gesture folder ${dir} has no ${basename(splitDir)}/ folder for the ${split} split.`);
  const entries: GestureEntry[] = [];
  for (const trial of readdirSync(splitDir).sort()) {
    const trialDir = join(splitDir, trial);
    if (!statSync(trialDir).isDirectory()) continue;
    const { user, lighting } = parseTrialName(trial, splitDir);
    const files = readdirSync(trialDir).filter((f) => f.endsWith('.npy'));
    for (const f of files.sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
      const label = Number(f.slice(0, -4));
      if (!/^\d+\.npy$/.test(f) || label >= N_GESTURE_CLASSES) {
        throw new UserError(`File ${join(trialDir, f)}: the name must be the class label 0 to 10 followed by .npy.`);
      }
      const file = join(trialDir, f);
      const st = statSync(file);
      entries.push({
        id: `${trial}/${f}`,
        split,
        label,
        user,
        lighting,
        source: 'tonic-npy',
        file,
        fileSize: st.size,
        fileMtimeMs: st.mtimeMs,
      });
    }
  }
  return entries;
}

/**
 * Reads one Tonic `.npy` events file (N × 4 columns [x, y, p, t], t in ms) into events with t in µs
 * (t·1000, as Tonic does on load).
 */
export function readTonicNpy(file: string): DvsEvents {
  const arr = readNpy(file);
  if (arr.shape.length !== 2 || arr.shape[1] !== 4) {
    throw new UserError(`.npy file ${file} has shape (${arr.shape.join(', ')}); expected N × 4 columns [x, y, p, t].`);
  }
  const n = arr.shape[0];
  const ev = allocEvents(n);
  const d = arr.data;
  for (let i = 0; i < n; i++) {
    ev.x[i] = d[4 * i];
    ev.y[i] = d[4 * i + 1];
    ev.p[i] = d[4 * i + 2] ? 1 : 0;
    ev.t[i] = Math.trunc(d[4 * i + 3] * 1000); // Tonic multiplies, then casts to int64
  }
  return isSorted(ev.t) ? ev : sortByTime(ev);
}

/** Options of {@link GestureRecordings}. */
export interface GestureLoadOptions extends AedatReadOptions {
  /** Decoded files kept in memory (default 2: a whole AEDAT recording is large). */
  lruSize?: number;
}

/** Lazily loads the samples of an index, keeping a few decoded files in an LRU. */
export class GestureRecordings {
  private readonly lru = new Map<string, DvsEvents>();
  private readonly lruSize: number;

  constructor(
    readonly index: GestureIndex,
    private readonly opts: GestureLoadOptions = {},
  ) {
    this.lruSize = Math.max(1, opts.lruSize ?? 2);
  }

  get size(): number {
    return this.index.entries.length;
  }

  entry(i: number): GestureEntry {
    const e = this.index.entries[i];
    if (!e) throw new RangeError(`sample index ${i} out of range 0..${this.size - 1}`);
    return e;
  }

  /** Events of sample i with its metadata. */
  sample(i: number): DvsSample {
    const e = this.entry(i);
    const all = this.file(e.file, e.source);
    const ev = e.source === 'aedat' ? eventsInWindow(all, e.startUs!, e.endUs!) : all;
    return {
      ...ev,
      label: e.label,
      user: e.user,
      lighting: e.lighting,
      source: e.source,
      ...(e.segmentIndex !== undefined ? { segmentIndex: e.segmentIndex } : {}),
      synthetic: this.index.synthetic,
    };
  }

  private file(path: string, source: GestureEntry['source']): DvsEvents {
    const hit = this.lru.get(path);
    if (hit) {
      this.lru.delete(path);
      this.lru.set(path, hit);
      return hit;
    }
    const ev = source === 'aedat' ? readAedat31(path, this.opts) : readTonicNpy(path);
    this.lru.set(path, ev);
    while (this.lru.size > this.lruSize) this.lru.delete(this.lru.keys().next().value as string);
    return ev;
  }
}
