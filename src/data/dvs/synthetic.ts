/**
 * Synthetic event-camera gestures (spec datasets.md §6.2). No DVS128 Gesture recordings are available offline,
 * so demos, end-to-end runs and reader tests use generated ones, always marked synthetic.
 *
 * Model: each class moves one or two "arms" (a forearm capsule ending in a round hand) along a class-specific
 * path: converging hands (clapping), left/right oscillation (waves), clockwise / counter-clockwise circles (arm
 * rotations), two hands circling each other (arm roll), out-of-phase vertical strokes (drums), a strumming and
 * a sliding hand (guitar), a smooth random path (other). A moving edge emits events at a rate proportional to
 * its normal speed |n·v| (what a DVS pixel sees when an edge crosses it): ON on the leading side, OFF on the
 * trailing side, spread over about a pixel across the edge. Uniform background noise and a few hot pixels
 * exercise Denoise. Each user has a style (speed, amplitude, position, hand size) and each sample a jitter on
 * top; everything flows from the seed.
 *
 * Calibration: with the defaults, Denoise(5 ms) + ToFrame(100) + binarisation leaves about 2 % of the 32 768
 * inputs active per step, as in the real data (§4.3).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';
import { UserError } from '../../util/errors.js';
import { encodeAedat31 } from './aedat.js';
import { encodeNpy } from './npy.js';
import { DVS128, type DvsEvents } from './events.js';
import { GESTURE_CLASSES, LAST_TRAIN_USER, N_GESTURE_CLASSES, SYNTHETIC_MARKER } from './gesture.js';

/** Generation parameters. */
export interface SyntheticOptions {
  /** Gesture duration in µs (default 5 s). */
  durationUs?: number;
  /** Events per pixel of edge per pixel moved (default 1.6). */
  edgeDensity?: number;
  /** Half-width in pixels over which an edge's events spread across the edge (default 1.5). */
  edgeSpread?: number;
  /** Background noise events per second over the whole sensor (default 10 000). */
  noiseRate?: number;
  /** Hot pixels per recording (default 3), each firing at `hotPixelRate` Hz (default 40). */
  hotPixels?: number;
  hotPixelRate?: number;
  /** Put timestamps on a 1 ms grid, like the Tonic copy (default true, so both formats hold the same events). */
  msGrid?: boolean;
}

const DEFAULTS: Required<SyntheticOptions> = {
  durationUs: 5_000_000,
  edgeDensity: 4,
  edgeSpread: 0.75,
  noiseRate: 10_000,
  hotPixels: 3,
  hotPixelRate: 40,
  msGrid: true,
};

/** The five lighting conditions of the real dataset. */
export const LIGHTINGS = ['fluorescent', 'fluorescent_led', 'lab', 'led', 'natural'] as const;

/** A subject's (or sample's) way of performing gestures. */
export interface GestureStyle {
  /** Multiplies every motion frequency. */
  speed: number;
  /** Multiplies every motion amplitude. */
  amplitude: number;
  /** Shift of the whole gesture, px. */
  dx: number;
  dy: number;
  /** Hand radius, px. */
  hand: number;
  /** Phase offset, radians. */
  phase: number;
}

/** The style of user `user` (1–29), fixed for a seed. */
export function userStyle(user: number, seed: number | string): GestureStyle {
  const r = new Rng(`${seed}:user:${user}`);
  return { speed: r.uniform(0.8, 1.25), amplitude: r.uniform(1.1, 1.5), dx: r.uniform(-8, 8), dy: r.uniform(-6, 6), hand: r.uniform(8.5, 12), phase: 0 };
}

/** A per-sample variation around a user's style. */
export function jitterStyle(s: GestureStyle, rng: Rng): GestureStyle {
  return {
    speed: s.speed * rng.uniform(0.9, 1.1),
    amplitude: s.amplitude * rng.uniform(0.9, 1.1),
    dx: s.dx + rng.uniform(-3, 3),
    dy: s.dy + rng.uniform(-3, 3),
    hand: s.hand * rng.uniform(0.9, 1.1),
    phase: rng.uniform(0, 2 * Math.PI),
  };
}

/** A capsule: segment a→b thickened by radius r (a forearm with its hand at b). */
interface Capsule {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  r: number;
}

type Pose = (tau: number) => Capsule[];

/** Arm from elbow (ex, ey) to hand (hx, hy): forearm capsule plus a rounder hand. */
function arm(ex: number, ey: number, hx: number, hy: number, hand: number): Capsule[] {
  return [
    { ax: ex, ay: ey, bx: hx, by: hy, r: hand * 0.6 },
    { ax: hx, ay: hy, bx: hx, by: hy, r: hand },
  ];
}

/** Motion of each class; tau in seconds; image coordinates (y grows downwards). */
function poseOf(label: number, s: GestureStyle, rng: Rng): Pose {
  const A = s.amplitude;
  const w = (hz: number): number => 2 * Math.PI * hz * s.speed;
  const cx = 64 + s.dx;
  const cy = 64 + s.dy;
  const h = s.hand;
  const ph = s.phase;
  switch (label) {
    case 0: // hand clapping: two hands meet in the middle
      return (t) => {
        const open = 8 + 18 * A * (0.5 + 0.5 * Math.cos(w(1.8) * t + ph));
        return [...arm(cx - 34, cy + 22, cx - open, cy - 4, h), ...arm(cx + 34, cy + 22, cx + open, cy - 4, h)];
      };
    case 1: // right hand wave (right of the image)
    case 2: // left hand wave
      return (t) => {
        const side = label === 1 ? 1 : -1;
        const hx = cx + side * 30 + 16 * A * Math.sin(w(1.6) * t + ph);
        return arm(cx + side * 26, cy + 18, hx, cy - 26, h);
      };
    case 3: // right arm clockwise
    case 4: // right arm counter-clockwise
    case 5: // left arm clockwise
    case 6: // left arm counter-clockwise
      return (t) => {
        const side = label <= 4 ? 1 : -1;
        const dir = label === 3 || label === 5 ? 1 : -1; // +θ is clockwise on screen because y points down
        const R = 20 * A;
        const th = dir * w(0.9) * t + ph;
        const ox = cx + side * 30;
        const oy = cy - 8;
        return arm(ox - side * 4 + 0.3 * R * Math.cos(th), oy + 30 + 0.3 * R * Math.sin(th), ox + R * Math.cos(th), oy + R * Math.sin(th), h);
      };
    case 7: // arm roll: both hands circle around each other in front of the chest
      return (t) => {
        const th = w(1.4) * t + ph;
        const R = 11 * A;
        return [
          ...arm(cx - 30, cy + 26, cx + R * Math.cos(th), cy + 4 + R * Math.sin(th), h),
          ...arm(cx + 30, cy + 26, cx - R * Math.cos(th), cy + 4 - R * Math.sin(th), h),
        ];
      };
    case 8: // air drums: alternating vertical strokes
      return (t) => {
        const a = 12 * A * Math.sin(w(2.2) * t + ph);
        return [...arm(cx - 34, cy + 24, cx - 22, cy + 8 + a, h), ...arm(cx + 34, cy + 24, cx + 22, cy + 8 - a, h)];
      };
    case 9: // air guitar: fast strumming hand, slowly sliding fretting hand
      return (t) => [
        ...arm(cx + 30, cy + 26, cx + 8, cy + 14 + 14 * A * Math.sin(w(3) * t + ph), h),
        ...arm(cx - 12, cy + 20, cx - 38 + 10 * A * Math.sin(w(0.5) * t), cy - 4, h * 0.9),
      ];
    default: {
      // other gestures: a smooth random path (three random sinusoids per axis)
      const comps = Array.from({ length: 6 }, () => ({ f: rng.uniform(0.3, 1.6), p: rng.uniform(0, 2 * Math.PI), a: rng.uniform(6, 12) }));
      return (t) => {
        let hx = cx;
        let hy = cy - 6;
        comps.forEach((c, k) => {
          const v = c.a * A * Math.sin(w(c.f) * t + c.p);
          if (k < 3) hx += v;
          else hy += v;
        });
        return arm(cx + 20, cy + 26, hx, hy, h);
      };
    }
  }
}

/** Growable event buffer. */
class EventBuffer {
  x = new Int16Array(1 << 16);
  y = new Int16Array(1 << 16);
  p = new Uint8Array(1 << 16);
  t = new Float64Array(1 << 16);
  n = 0;

  push(x: number, y: number, p: number, t: number): void {
    if (this.n === this.t.length) this.grow();
    this.x[this.n] = x;
    this.y[this.n] = y;
    this.p[this.n] = p;
    this.t[this.n] = t;
    this.n++;
  }

  private grow(): void {
    const cap = this.t.length * 2;
    const x = new Int16Array(cap);
    x.set(this.x);
    const y = new Int16Array(cap);
    y.set(this.y);
    const p = new Uint8Array(cap);
    p.set(this.p);
    const t = new Float64Array(cap);
    t.set(this.t);
    Object.assign(this, { x, y, p, t });
  }

  events(): DvsEvents {
    return { x: this.x.slice(0, this.n), y: this.y.slice(0, this.n), p: this.p.slice(0, this.n), t: this.t.slice(0, this.n) };
  }
}

function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const l = Math.exp(-mean);
  let k = 0;
  let prod = rng.random();
  while (prod > l) {
    k++;
    prod *= rng.random();
  }
  return k;
}

/** Hot pixels of a recording. */
function hotPixelsFor(rng: Rng, n: number): Array<{ x: number; y: number; p: number }> {
  return Array.from({ length: n }, () => ({ x: rng.int(DVS128.width), y: rng.int(DVS128.height), p: rng.int(2) }));
}

/** Context shared by the segments of one recording (noise sources). */
interface Recording {
  buf: EventBuffer;
  hot: Array<{ x: number; y: number; p: number }>;
  o: Required<SyntheticOptions>;
}

/** Appends background noise and hot-pixel events in [t0, t1) µs, in 1 ms slices. */
function emitNoise(rec: Recording, rng: Rng, t0: number, t1: number, extra?: (ms: number, out: Chunk) => void): void {
  const chunk = new Chunk();
  const noisePerMs = rec.o.noiseRate / 1000;
  const hotPerMs = rec.o.hotPixelRate / 1000;
  for (let ms = t0; ms < t1; ms += 1000) {
    chunk.n = 0;
    const k = poisson(rng, noisePerMs);
    for (let i = 0; i < k; i++) chunk.add(rng.int(DVS128.width), rng.int(DVS128.height), rng.int(2));
    for (const hp of rec.hot) if (rng.random() < hotPerMs) chunk.add(hp.x, hp.y, hp.p);
    extra?.(ms, chunk);
    chunk.flush(rec, rng, ms, Math.min(1000, t1 - ms));
  }
}

/** The events of one millisecond, given times at flush. */
class Chunk {
  x: number[] = [];
  y: number[] = [];
  p: number[] = [];
  n = 0;
  add(x: number, y: number, p: number): void {
    if (x < 0 || y < 0 || x >= DVS128.width || y >= DVS128.height) return;
    this.x[this.n] = x;
    this.y[this.n] = y;
    this.p[this.n] = p;
    this.n++;
  }
  flush(rec: Recording, rng: Rng, t0: number, len: number): void {
    if (this.n === 0) return;
    if (rec.o.msGrid) {
      for (let i = 0; i < this.n; i++) rec.buf.push(this.x[i], this.y[i], this.p[i], t0);
      return;
    }
    // Events within the slice are exchangeable: sorted random offsets keep the stream time-ordered.
    const ts = Array.from({ length: this.n }, () => rng.int(len)).sort((a, b) => a - b);
    for (let i = 0; i < this.n; i++) rec.buf.push(this.x[i], this.y[i], this.p[i], t0 + ts[i]);
  }
}

/** Adds the edge events of capsule `c` moving with end velocities (vax, vay), (vbx, vby) px/ms. */
function edgeEvents(c: Capsule, va: [number, number], vb: [number, number], density: number, spread: number, rng: Rng, out: Chunk): void {
  const dx = c.bx - c.ax;
  const dy = c.by - c.ay;
  const L = Math.hypot(dx, dy);
  const perim = 2 * L + 2 * Math.PI * c.r;
  const vmax = Math.max(Math.hypot(va[0], va[1]), Math.hypot(vb[0], vb[1]));
  if (vmax < 1e-6) return;
  // Thinning: propose at the maximal rate, accept with |n·v| / vmax.
  const k = poisson(rng, density * perim * vmax);
  const ux = L > 0 ? dx / L : 1;
  const uy = L > 0 ? dy / L : 0;
  for (let i = 0; i < k; i++) {
    let px: number;
    let py: number;
    let nx: number;
    let ny: number;
    let s: number; // position along the segment, 0 at a, 1 at b
    if (rng.random() * perim < 2 * L) {
      s = rng.random();
      const side = rng.random() < 0.5 ? 1 : -1;
      nx = -uy * side;
      ny = ux * side;
      px = c.ax + s * dx + c.r * nx;
      py = c.ay + s * dy + c.r * ny;
    } else {
      const atB = rng.random() < 0.5;
      // Outer half-circle of the cap (the full circle when the capsule is a disk).
      const base = Math.atan2(atB ? uy : -uy, atB ? ux : -ux);
      const phi = L > 0 ? base + (rng.random() - 0.5) * Math.PI : rng.random() * 2 * Math.PI;
      nx = Math.cos(phi);
      ny = Math.sin(phi);
      s = atB ? 1 : 0;
      px = (atB ? c.bx : c.ax) + c.r * nx;
      py = (atB ? c.by : c.ay) + c.r * ny;
    }
    const vx = va[0] + s * (vb[0] - va[0]);
    const vy = va[1] + s * (vb[1] - va[1]);
    const vn = nx * vx + ny * vy;
    if (rng.random() * vmax >= Math.abs(vn)) continue;
    const off = (rng.random() * 2 - 1) * spread;
    out.add(Math.round(px + off * nx), Math.round(py + off * ny), vn > 0 ? 1 : 0);
  }
}

/** Appends one gesture of class `label` over [t0, t0 + duration) to a recording. */
function emitGesture(rec: Recording, label: number, style: GestureStyle, rng: Rng, t0: number, duration: number): void {
  const pose = poseOf(label, style, rng.fork('path'));
  const { edgeDensity, edgeSpread } = rec.o;
  emitNoise(rec, rng, t0, t0 + duration, (ms, chunk) => {
    const tau = (ms - t0) / 1e6;
    const now = pose(tau);
    const next = pose(tau + 0.001);
    now.forEach((c, j) => {
      const d = next[j];
      edgeEvents(c, [d.ax - c.ax, d.ay - c.ay], [d.bx - c.bx, d.by - c.by], edgeDensity, edgeSpread, rng, chunk);
    });
  });
}

/** One synthetic gesture sample (events only) over [0, durationUs). */
export function synthesizeGesture(label: number, style: GestureStyle, seed: number | string, opts: SyntheticOptions = {}): DvsEvents {
  if (!(label >= 0 && label < N_GESTURE_CLASSES)) throw new RangeError(`synthesizeGesture: label ${label} not in 0..10`);
  const o = resolveOptions(opts);
  const rng = new Rng(seed);
  const rec: Recording = { buf: new EventBuffer(), hot: hotPixelsFor(rng, o.hotPixels), o };
  emitGesture(rec, label, style, rng, 0, o.durationUs);
  return rec.buf.events();
}

/** Options of {@link writeSyntheticGestureDataset}. */
export interface WriteSyntheticOptions extends SyntheticOptions {
  /** Output folder (created). */
  out: string;
  /** Total samples over both splits (about 19.7 % go to test, as 264 / 1341 in the real data). */
  samples: number;
  format: 'aedat' | 'npy';
  seed: number | string;
  /** dtype of the .npy files (default '<i8'). */
  npyDtype?: string;
}

/** What was written (also saved as SYNTHETIC.json). */
export interface SyntheticManifest {
  synthetic: true;
  note: string;
  generator: string;
  format: 'aedat' | 'npy';
  seed: number | string;
  samples: { train: number; test: number };
  classCounts: { train: number[]; test: number[] };
  options: Required<SyntheticOptions>;
  classes: readonly string[];
}

/** Planned samples of one split: (trial, class) pairs. */
interface Trial {
  user: number;
  lighting: string;
  labels: number[];
}

/**
 * Spreads n samples over trials: at least one trial per user while samples last (so small sets still mix
 * subjects), at most 11 per trial. Sample j goes to trial j mod K as its q-th gesture (q = ⌊j/K⌋) with class
 * (trial + q) mod 11: classes never repeat within a trial (one Tonic file per (trial, class)) and stay balanced.
 */
function planTrials(n: number, users: number[], rng: Rng): Trial[] {
  const K = Math.max(Math.ceil(n / N_GESTURE_CLASSES), Math.min(users.length, n));
  const trials: Trial[] = Array.from({ length: K }, (_, k) => {
    const round = Math.floor(k / users.length);
    const extra = round >= LIGHTINGS.length ? `_${Math.floor(round / LIGHTINGS.length) + 1}` : '';
    return { user: users[k % users.length], lighting: LIGHTINGS[round % LIGHTINGS.length] + extra, labels: [] };
  });
  for (let j = 0; j < n; j++) {
    const k = j % K;
    const q = Math.floor(j / K);
    trials[k].labels.push((k + q) % N_GESTURE_CLASSES);
  }
  for (const t of trials) rng.shuffle(t.labels); // real recordings do not follow class order
  return trials.filter((t) => t.labels.length > 0);
}

/**
 * Writes a synthetic DVS128 Gesture dataset in one of the two real layouts:
 * `aedat`: `<out>/DvsGesture/{trials_to_train.txt, trials_to_test.txt, userNN_<light>.aedat, userNN_<light>_labels.csv}`;
 * `npy`: `<out>/DVSGesture/ibmGesture{Train,Test}/userNN_<light>/<label>.npy` (t in ms).
 * A `SYNTHETIC.json` marker goes to `<out>` and to the dataset folder.
 */
export function writeSyntheticGestureDataset(opts: WriteSyntheticOptions): SyntheticManifest {
  if (!Number.isInteger(opts.samples) || opts.samples < 1) throw new UserError(`--samples must be a positive integer, got ${opts.samples}.`);
  if (opts.format !== 'aedat' && opts.format !== 'npy') throw new UserError(`--format must be aedat or npy, got ${String(opts.format)}.`);
  const o = resolveOptions(opts);
  const rng = new Rng(opts.seed);
  const nTest = opts.samples >= 2 ? Math.max(1, Math.round((opts.samples * 264) / 1341)) : 0;
  const nTrain = opts.samples - nTest;
  const trainUsers = Array.from({ length: LAST_TRAIN_USER }, (_, i) => i + 1);
  const testUsers = Array.from({ length: 29 - LAST_TRAIN_USER }, (_, i) => LAST_TRAIN_USER + 1 + i);
  const plans = { train: planTrials(nTrain, trainUsers, rng.fork('plan-train')), test: planTrials(nTest, testUsers, rng.fork('plan-test')) };
  const dataDir = join(opts.out, opts.format === 'aedat' ? 'DvsGesture' : 'DVSGesture');
  mkdirSync(dataDir, { recursive: true });
  const counts = { train: new Array<number>(N_GESTURE_CLASSES).fill(0), test: new Array<number>(N_GESTURE_CLASSES).fill(0) };

  for (const split of ['train', 'test'] as const) {
    const names: string[] = [];
    for (const trial of plans[split]) {
      const name = `user${String(trial.user).padStart(2, '0')}_${trial.lighting}`;
      const trng = rng.fork(`${split}:${name}`);
      const style = userStyle(trial.user, opts.seed);
      const rec: Recording = { buf: new EventBuffer(), hot: hotPixelsFor(trng, o.hotPixels), o };
      const rows: string[] = ['class,startTime_usec,endTime_usec'];
      const bounds: Array<[number, number, number]> = [];
      let t = 1_000_000 + 1000 * trng.int(1000); // recordings start a little after the camera's zero
      for (const label of trial.labels) {
        const gap = 1000 * trng.intBetween(400, 1200);
        emitNoise(rec, trng, t, t + gap);
        t += gap;
        const dur = 1000 * Math.round((o.durationUs * trng.uniform(0.9, 1.1)) / 1000);
        emitGesture(rec, label, jitterStyle(style, trng), trng, t, dur);
        rows.push(`${label + 1},${t},${t + dur}`);
        bounds.push([label, t, t + dur]);
        t += dur;
        counts[split][label]++;
      }
      emitNoise(rec, trng, t, t + 500_000);
      const ev = rec.buf.events();
      if (opts.format === 'aedat') {
        writeFileSync(join(dataDir, `${name}.aedat`), encodeAedat31(ev, [`SYNTHETIC recording generated by spikeopt (seed ${opts.seed}); not real DVS128 Gesture data`]));
        writeFileSync(join(dataDir, `${name}_labels.csv`), `${rows.join('\r\n')}\r\n`);
        names.push(`${name}.aedat`);
      } else {
        const dir = join(dataDir, split === 'train' ? 'ibmGestureTrain' : 'ibmGestureTest', name);
        mkdirSync(dir, { recursive: true });
        for (const [label, start, end] of bounds) writeFileSync(join(dir, `${label}.npy`), npySample(ev, start, end, opts.npyDtype ?? '<i8'));
      }
    }
    if (opts.format === 'aedat') writeFileSync(join(dataDir, `trials_to_${split}.txt`), names.map((n) => `${n}\n`).join(''));
  }
  const manifest: SyntheticManifest = {
    synthetic: true,
    note: 'SYNTHETIC event-camera data generated by spikeopt; not real DVS128 Gesture recordings.',
    generator: 'spikeopt data synth-dvs',
    format: opts.format,
    seed: opts.seed,
    samples: { train: nTrain, test: nTest },
    classCounts: counts,
    options: o,
    classes: GESTURE_CLASSES,
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  writeFileSync(join(opts.out, SYNTHETIC_MARKER), text);
  writeFileSync(join(dataDir, SYNTHETIC_MARKER), text);
  return manifest;
}

/** Events in [start, end) as a Tonic-style N × 4 [x, y, p, t(ms)] array. */
function npySample(ev: DvsEvents, start: number, end: number, dtype: string): Uint8Array {
  const rows: number[] = [];
  for (let i = 0; i < ev.t.length; i++) {
    if (ev.t[i] < start || ev.t[i] >= end) continue;
    rows.push(ev.x[i], ev.y[i], ev.p[i], Math.floor(ev.t[i] / 1000));
  }
  return encodeNpy(rows, [rows.length / 4, 4], { descr: dtype });
}

/** Defaults filled in; only the generation options are kept. */
function resolveOptions(opts: SyntheticOptions): Required<SyntheticOptions> {
  const o = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS) as Array<keyof SyntheticOptions>) {
    if (opts[k] !== undefined) (o as Record<string, unknown>)[k] = opts[k];
  }
  return o;
}
