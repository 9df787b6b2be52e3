/**
 * Micro-benchmark of the surrogate-gradient kernels (src/kernels/slayer-kernels.ts, slayer-wasm.ts): wasm SIMD
 * versus the TypeScript twins (float32 storage), one training sample (T = 25) at the conv layer c2 of the "mid" and
 * "best" networks, with its neurons (P = hout·wout, cp = coutp) and a 2×2 stride-2 sum pooling of its output.
 * Then the dense input gradient convBackwardInput by its two wasm paths, direct and FFT (with the cost model's
 * choice), on those layers and an Exp 4-like c2 layer (15 → 29 channels, 109×109, 12×12 kernel, pad 1), for all
 * steps and for the window [2, 22) the engine passes at c2.
 *
 *   node --import tsx bench/slayer-kernels.ts [--density 0.1] [--reps 9] [--only mid|best|exp4] [--fft-only]
 *
 * Medians of several repetitions (the machines are shared: trust ratios more than absolutes). GFLOP/s counts
 * 2 flops per useful multiply-add (real channels only, padding lanes excluded); event-driven kernels count the
 * multiply-adds of the spikes actually present (input spike density --density).
 */
import { performance } from 'node:perf_hooks';
import { Arena } from '../src/kernels/arena.js';
import { loadavg } from 'node:os';
import {
  JS_SLAYER_KERNELS, backwardInputCost, pad4, planBackwardFft, type ConvGeometry, type PoolGeometry, type SlayerKernels,
} from '../src/kernels/slayer-kernels.js';
import {
  createSlayerArena, createSlayerKernels, slayerWasmAvailable, slayerWasmUnavailableReason, type WasmSlayerKernels,
} from '../src/kernels/slayer-wasm.js';
import { Rng } from '../src/util/rng.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const density = Number(arg('density', '0.1'));
const reps = Number(arg('reps', '9'));
const only = arg('only', '');
const fftOnly = process.argv.includes('--fft-only');

if (!slayerWasmAvailable()) {
  console.error(`wasm kernels unavailable: ${slayerWasmUnavailableReason()}`);
  process.exit(1);
}

interface Shape {
  name: string;
  g: ConvGeometry;
}

function shape(name: string, cin: number, cout: number, hin: number, k: number, pad = 0): Shape {
  const hout = hin + 2 * pad - k + 1;
  return { name, g: { cin, cout, cinp: pad4(cin), coutp: pad4(cout), hin, win: hin, hout, wout: hout, kh: k, kw: k, stride: 1, pad, T: 25 } };
}

const SHAPES = [shape('mid c2', 32, 32, 23, 5), shape('best c2', 123, 46, 16, 11)].filter((s) => !only || s.name.startsWith(only));
const FFT_SHAPES = [...SHAPES, shape('exp4 c2', 15, 29, 109, 12, 1)].filter((s) => !only || s.name.startsWith(only));

/** Median wall time in ms of `fn` over n runs (after one warm-up run). */
function median(fn: () => void, n: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

interface Row {
  kernel: string;
  work: number;
  unit: 'GFLOP/s' | 'Melem/s';
  wasm: number;
  js: number;
}

function runShape(s: Shape): Row[] {
  const { g } = s;
  const { T } = g;
  const rng = new Rng(`bench ${s.name}`);
  const rowsIn = g.hin * g.win * T;
  const P = g.hout * g.wout;
  const cp = g.coutp;
  const C = g.cout;
  const nz = P * T * cp;
  const nw = g.kh * g.kw * g.cin * g.coutp;
  const nwt = g.kh * g.kw * g.cout * g.cinp;
  const nx = rowsIn * g.cinp;
  const pg: PoolGeometry = { c: C, cp, hin: g.hout, win: g.wout, k: 2, stride: 2, T, hout: Math.floor((g.hout - 2) / 2) + 1, wout: Math.floor((g.wout - 2) / 2) + 1 };
  const npz = pg.hout * pg.wout * T * cp;

  // Input spikes (CSR) at the given density; spikes of the neuron layer for the pooling.
  const inPtr: number[] = [];
  const inChan: number[] = [];
  for (let r = 0; r < rowsIn; r++) {
    inPtr.push(inChan.length);
    for (let c = 0; c < g.cin; c++) if (rng.random() < density) inChan.push(c);
  }
  inPtr.push(inChan.length);

  /** The same arrays on a wasm arena and on a plain one, same contents. */
  const make = (arena: Arena) => {
    const slots = {
      rowPtr: arena.i32(rowsIn + 1), chan: arena.i32(Math.max(1, inChan.length)),
      w: arena.f32(nw), wt: arena.f32(nwt), z: arena.f32(nz), gz: arena.f32(nz), gw: arena.f32(nw), gx: arena.f32(nx),
      u: arena.f32(nz), v: arena.f32(nz), delta: arena.f32(nz), s: arena.f32(nz), gs: arena.f32(nz), acc: arena.f64(2),
      keep: arena.f32(P * cp), shift: arena.i32(C), oPtr: arena.i32(P * T + 1), oChan: arena.i32(P * T * C), gd: arena.f64(C),
      pz: arena.f32(npz), pgz: arena.f32(npz), pgx: arena.f32(nz),
    };
    arena.commit();
    const v = Object.fromEntries(Object.entries(slots).map(([k, sl]) => [k, sl.view()])) as { [K in keyof typeof slots]: ReturnType<(typeof slots)[K]['view']> };
    return v;
  };
  const wa = createSlayerArena('wasm');
  const W = make(wa);
  const J = make(new Arena(null));
  const fillBoth = (name: keyof typeof W, gen: (i: number) => number) => {
    const a = W[name];
    for (let i = 0; i < a.length; i++) a[i] = gen(i);
    J[name].set(a as never);
  };
  fillBoth('rowPtr', (i) => inPtr[i]);
  fillBoth('chan', (i) => inChan[i] ?? 0);
  const ws = 1 / Math.sqrt(g.cin * g.kh * g.kw);
  fillBoth('w', (i) => (i % cp < C ? ws * (2 * rng.random() - 1) : 0));
  fillBoth('wt', (i) => (i % g.cinp < g.cin ? ws * (2 * rng.random() - 1) : 0));
  fillBoth('gz', (i) => (i % cp < C ? 1e-3 * rng.normal() : 0));
  fillBoth('z', (i) => (i % cp < C ? 0.3 * rng.normal() + 0.1 : 0));
  fillBoth('delta', () => 2 * rng.normal());
  fillBoth('u', () => rng.normal());
  fillBoth('v', () => rng.normal());
  fillBoth('gs', () => 1e-3 * rng.normal());
  fillBoth('keep', () => (rng.random() < 0.9 ? 1 : 0));
  fillBoth('shift', () => 1);
  fillBoth('pgz', (i) => (i % cp < C ? rng.normal() : 0));
  const kW = createSlayerKernels(wa);
  const kJ: SlayerKernels = JS_SLAYER_KERNELS;
  const alif = { ku: 0.75, kv: 0.97, kth: 0.9, kr: 0.8, theta0: 1, step: 0.05 };

  // Spikes of the neuron layer, for emitSpikes / spikeGradient / poolForward.
  kW.alifForward(P, T, cp, W.z, alif, W.u, W.v, W.delta, W.s);
  J.s.set(W.s);
  const nOut = kW.emitSpikes(P, T, C, cp, W.s, null, W.shift, W.oPtr, W.oChan);
  JS_SLAYER_KERNELS.emitSpikes(P, T, C, cp, J.s, null, J.shift, J.oPtr, J.oChan);
  fillBoth('delta', () => 2 * rng.normal());

  // Useful multiply-adds.
  let fwdMacs = 0;
  for (let r = 0; r < rowsIn; r++) {
    const n = inPtr[r + 1] - inPtr[r];
    if (!n) continue;
    const p = Math.floor(r / T);
    const y = Math.floor(p / g.win);
    const x = p - y * g.win;
    const ny = Math.min(y, g.kh - 1) - Math.max(0, y - g.hout + 1) + 1;
    const nxx = Math.min(x, g.kw - 1) - Math.max(0, x - g.wout + 1) + 1;
    fwdMacs += n * ny * nxx * C;
  }
  const bwdMacs = P * g.kh * g.kw * T * g.cout * g.cin;
  const steps = P * T * C;

  const jsReps = Math.max(3, Math.min(reps, 5));
  const rows: Row[] = [];
  const time = (kernel: string, work: number, unit: Row['unit'], fw: () => void, fj: () => void, jr = reps) =>
    rows.push({ kernel, work, unit, wasm: median(fw, reps), js: median(fj, jr) });
  const sW = { rowPtr: W.rowPtr, chan: W.chan, value: 1 };
  const sJ = { rowPtr: J.rowPtr, chan: J.chan, value: 1 };
  const oW = { rowPtr: W.oPtr, chan: W.oChan, value: 1 };
  const oJ = { rowPtr: J.oPtr, chan: J.oChan, value: 1 };
  time('convForward', 2 * fwdMacs, 'GFLOP/s', () => kW.convForward(g, sW, W.w, W.z), () => kJ.convForward(g, sJ, J.w, J.z), jsReps);
  time('convWeightGrad', 2 * fwdMacs, 'GFLOP/s', () => kW.convWeightGrad(g, sW, W.gz, W.gw), () => kJ.convWeightGrad(g, sJ, J.gz, J.gw), jsReps);
  time('convBackwardInput', 2 * bwdMacs, 'GFLOP/s', () => kW.convBackwardInput(g, W.gz, W.wt, W.gx), () => kJ.convBackwardInput(g, J.gz, J.wt, J.gx), 3);
  time('alifForward', steps, 'Melem/s', () => kW.alifForward(P, T, cp, W.z, alif, W.u, W.v, W.delta, W.s), () => kJ.alifForward(P, T, cp, J.z, alif, J.u, J.v, J.delta, J.s));
  // alifForward rewrote s: rebuild the same spikes on both sides for the kernels below.
  J.s.set(W.s);
  time('cubaForward', steps, 'Melem/s', () => kW.cubaForward(P, T, cp, W.z, { ku: 0.75, kv: 0.97, theta: 1 }, W.u, W.v, W.pgx, W.gx.subarray(0, nz)),
    () => kJ.cubaForward(P, T, cp, J.z, { ku: 0.75, kv: 0.97, theta: 1 }, J.u, J.v, J.pgx, J.gx.subarray(0, nz)));
  time('neuronBackward', steps, 'Melem/s', () => kW.neuronBackward(P, T, cp, W.gs, W.delta, W.u, W.v, 0.75, 0.97, 0.17, 0.3, W.gz, W.acc),
    () => kJ.neuronBackward(P, T, cp, J.gs, J.delta, J.u, J.v, 0.75, 0.97, 0.17, 0.3, J.gz, J.acc));
  for (const mixed of [false, true]) {
    // shift 1 for every channel (the one-step delay: vectorised path), or mixed axonal delays 1 + (c mod 3).
    fillBoth('shift', (i) => (mixed ? 1 + (i % 3) : 1));
    const tag = mixed ? 'mixed shifts' : 'shift 1';
    time(`emitSpikes (dropout, ${tag})`, steps, 'Melem/s', () => kW.emitSpikes(P, T, C, cp, W.s, W.keep, W.shift, W.oPtr, W.oChan),
      () => kJ.emitSpikes(P, T, C, cp, J.s, J.keep, J.shift, J.oPtr, J.oChan));
    time(`spikeGradient (dropout, ${tag})`, steps, 'Melem/s', () => kW.spikeGradient(P, T, C, cp, W.gz, W.s, W.keep, W.shift, 1.25, W.gs, W.gd),
      () => kJ.spikeGradient(P, T, C, cp, J.gz, J.s, J.keep, J.shift, 1.25, J.gs, J.gd));
  }
  fillBoth('shift', () => 1);
  kW.emitSpikes(P, T, C, cp, W.s, null, W.shift, W.oPtr, W.oChan);
  kJ.emitSpikes(P, T, C, cp, J.s, null, J.shift, J.oPtr, J.oChan);
  time(`poolForward 2×2/2`, steps, 'Melem/s', () => kW.poolForward(pg, oW, W.pz), () => kJ.poolForward(pg, oJ, J.pz));
  time(`poolBackwardInput 2×2/2`, pg.hout * pg.wout * 4 * T * C, 'Melem/s', () => kW.poolBackwardInput(pg, W.pgz, W.pgx), () => kJ.poolBackwardInput(pg, J.pgz, J.pgx));
  console.log(`\n${s.name}: cin ${g.cin} → cout ${g.cout}, ${g.hin}×${g.win} → ${g.hout}×${g.wout}, kernel ${g.kh}, T ${T}; ` +
    `input spikes ${inChan.length} (density ${density}), output spikes ${nOut}; convBackwardInput ${(bwdMacs / 1e6).toFixed(0)} M multiply-adds`);
  return rows;
}

function print(rows: Row[]): void {
  const head = ['kernel', 'wasm ms', 'wasm rate', 'js ms', 'js rate', 'speed-up'];
  const body = rows.map((r) => {
    const rate = (ms: number) => `${((r.work / ms) / (r.unit === 'GFLOP/s' ? 1e6 : 1e3)).toFixed(r.unit === 'GFLOP/s' ? 1 : 0)} ${r.unit}`;
    return [r.kernel, r.wasm.toFixed(3), rate(r.wasm), r.js.toFixed(2), rate(r.js), `${(r.js / r.wasm).toFixed(1)}×`];
  });
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
  const tw = rows.reduce((a, r) => a + r.wasm, 0);
  const tj = rows.reduce((a, r) => a + r.js, 0);
  console.log(`total of the rows: wasm ${tw.toFixed(2)} ms, js ${tj.toFixed(1)} ms`);
}

/**
 * convBackwardInput on one sample by both wasm paths: direct (register-blocked GEMMs) and FFT (forced), for all
 * steps and for the window [2, 22); prepareBackwardInput (the weight spectrum, once per weight update) apart.
 * Medians, the two paths interleaved run by run so that both see the same machine load.
 */
function compareBackwardInput(s: Shape): void {
  const { g } = s;
  const rng = new Rng(`bench fft ${s.name}`);
  const plan = planBackwardFft(g)!;
  const arena = createSlayerArena('wasm');
  const nz = g.hout * g.wout * g.T * g.coutp;
  const nwt = g.kh * g.kw * g.cout * g.cinp;
  const slots = {
    gz: arena.f32(nz), wt: arena.f32(nwt), gx: arena.f32(g.hin * g.win * g.T * g.cinp),
    spectrum: arena.f32(plan.spectrumLength), scratch: arena.f32(plan.scratchLength),
  };
  arena.commit();
  const gz = slots.gz.view();
  const wt = slots.wt.view();
  const gx = slots.gx.view();
  const ws = 1 / Math.sqrt(g.cin * g.kh * g.kw);
  for (let i = 0; i < nz; i++) gz[i] = i % g.coutp < g.cout ? 1e-3 * rng.normal() : 0;
  for (let i = 0; i < nwt; i++) wt[i] = i % g.cinp < g.cin ? ws * (2 * rng.random() - 1) : 0;
  const k = createSlayerKernels(arena) as WasmSlayerKernels;
  const fft = { plan, spectrum: slots.spectrum.view(), scratch: slots.scratch.view() };
  const prep = median(() => k.prepareBackwardInput(g, wt, fft), Math.min(reps, 5));
  const mb = (n: number) => `${((4 * n) / 2 ** 20).toFixed(1)} MiB`;
  console.log(`\n${s.name}: convBackwardInput, cin ${g.cin} → cout ${g.cout}, ${g.hin}×${g.win} → ${g.hout}×${g.wout}, kernel ${g.kh}, pad ${g.pad}, T ${g.T}; ` +
    `FFT ${plan.nh}×${plan.nw} (${plan.bins} bins), chunk ${plan.chunk} steps, spectrum ${mb(plan.spectrumLength)}, work area ${mb(plan.scratchLength)}; ` +
    `prepareBackwardInput ${prep.toFixed(2)} ms`);
  const head = ['steps', 'direct ms', 'FFT ms', 'speed-up', 'model: direct/FFT ms', 'chosen'];
  const body: string[][] = [];
  for (const [t0, t1] of [[0, g.T], [2, 22]]) {
    // Fewer direct runs where they are slow (Exp 4: ~30 ms per step).
    const nd = backwardInputCost(g, t1 - t0, plan).direct > 2e8 ? 3 : reps;
    const td: number[] = [];
    const tf: number[] = [];
    k.convBackwardInput(g, gz, wt, gx, t0, t1);
    k.convBackwardInputFft(g, gz, wt, fft, gx, t0, t1);
    for (let r = 0; r < Math.max(nd, reps); r++) {
      if (r < nd) {
        const a = performance.now();
        k.convBackwardInput(g, gz, wt, gx, t0, t1);
        td.push(performance.now() - a);
      }
      const b = performance.now();
      k.convBackwardInputFft(g, gz, wt, fft, gx, t0, t1);
      tf.push(performance.now() - b);
    }
    const med = (t: number[]) => t.sort((x, y) => x - y)[t.length >> 1];
    const d = med(td);
    const f = med(tf);
    const c = backwardInputCost(g, t1 - t0, plan);
    body.push([`[${t0}, ${t1})`, d.toFixed(2), f.toFixed(2), `${(d / f).toFixed(1)}×`, `${(c.direct / 1e6).toFixed(1)}/${(c.fft / 1e6).toFixed(1)}`, c.fft < c.direct ? 'FFT' : 'direct']);
  }
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`slayer kernels, one sample, medians of ${reps} runs (js: fewer for the slow convolutions); Node ${process.version}; load average ${load()}`);
if (!fftOnly) for (const s of SHAPES) print(runShape(s));
for (const s of FFT_SHAPES) compareBackwardInput(s);
console.log(`\nload average at the end: ${load()} (2 cores: above ~1 the numbers include waiting for a core)`);
