/**
 * STDP engine benchmark (`npm run bench:stdp`): the paper's best Exp 1 network (797 neurons, T = 100, batch 1,
 * learning on) trained on real MNIST on one thread — Poisson encoding included — against the PyTorch reference
 * (bench/stdp/reference.py, dense BindsNET-style tensors) on the same machine in the same run, with
 * torch.set_num_threads(1), with PyTorch's default threads, and with one thread per core when the default is fewer. Writes bench/results/stdp.json with at least
 * `imagesPerSecond`, `torchImagesPerSecond` (one thread; null with `torchUnavailable` when PyTorch cannot run),
 * `ratio` and `peakRssMB`.
 *
 * Options: --images 4000  --warmup 300  --torch-images 20  --python /usr/bin/python3  --out FILE
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findTorchPython } from './python.js';
import { openMnist, POISSON_PRESETS } from '../src/data/index.js';
import { buildDiehlCook, experiment1Config, PAPER_BEST_EXP1, type KernelBackend } from '../src/snn/index.js';
import { Rng } from '../src/util/rng.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '4000' },
    warmup: { type: 'string', default: '300' },
    'torch-images': { type: 'string', default: '20' },
    python: { type: 'string' },
    out: { type: 'string', default: join(here, 'results', 'stdp.json') },
  },
});

const mnist = openMnist({ seed: 1, encoding: POISSON_PRESETS.stdp });

/** Trains on `n` images after `warmup` ones; returns rates with and without the encoding time. */
function engineRun(backend: KernelBackend, n: number, warmup: number, learning = true) {
  const dc = buildDiehlCook(experiment1Config(PAPER_BEST_EXP1), { seed: 1, backend });
  const net = dc.network;
  const enc = new Rng('bench:encoder');
  let encodeMs = 0;
  const totals = new Float64Array(3);
  let t0 = performance.now();
  for (let k = 0; k < warmup + n; k++) {
    if (k === warmup) {
      t0 = performance.now();
      encodeMs = 0;
      totals.fill(0);
    }
    const e0 = performance.now();
    const trains = mnist.train.events(k % mnist.train.size, enc);
    encodeMs += performance.now() - e0;
    const act = net.runSample(trains, learning);
    net.resetState();
    for (let l = 0; l < 3; l++) totals[l] += act.totals[l];
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    backend: net.ctx.backend,
    images: n,
    seconds,
    imagesPerSecond: n / seconds,
    engineImagesPerSecond: n / (seconds - encodeMs / 1000),
    encodeSecondsPerImage: encodeMs / 1000 / n,
    spikesPerImage: { inpt: totals[0] / n, outpt: totals[1] / n, inhib: totals[2] / n },
    stateMB: net.stateBytes / 2 ** 20,
  };
}

function torchRun(python: string, threads: number, images: number) {
  const script = join(here, 'stdp', 'reference.py');
  const r = spawnSync(python, [script, 'bench', '--images', String(images), '--warmup', '2', '--threads', String(threads)], {
    encoding: 'utf8',
    timeout: 30 * 60 * 1000,
  });
  if (r.status !== 0) throw new Error(`reference.py failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { imagesPerSecond: number; threads: number; torchVersion: string; excSpikesPerImage: number };
}

const n = Number(values.images);
const warmup = Number(values.warmup);
console.log(`engine (wasm SIMD): ${n} training images of the 797-neuron network after ${warmup} warm-up images...`);
const wasm = engineRun('wasm', n, warmup);
console.log(`  ${wasm.imagesPerSecond.toFixed(0)} images/s (${wasm.engineImagesPerSecond.toFixed(0)} without encoding)`);
const validation = engineRun('wasm', Math.min(n, 2000), 100, false);
console.log(`  learning off: ${validation.imagesPerSecond.toFixed(0)} images/s`);
const js = engineRun('js', Math.max(50, Math.round(n / 20)), 20);
console.log(`engine (TypeScript twins): ${js.imagesPerSecond.toFixed(0)} images/s`);
const peakRssMB = process.resourceUsage().maxRSS / 1024;

let torch1: ReturnType<typeof torchRun> | null = null;
let torchDefault: ReturnType<typeof torchRun> | null = null;
let torchAllCores: ReturnType<typeof torchRun> | null = null;
let torchUnavailable: string | null = null;
const py = findTorchPython(values.python);
if (!py.python) {
  torchUnavailable = py.reason;
} else {
  try {
    const ti = Number(values['torch-images']);
    console.log(`PyTorch reference (${py.python}), ${ti} images, 1 thread...`);
    torch1 = torchRun(py.python, 1, ti);
    console.log(`  ${torch1.imagesPerSecond.toFixed(2)} images/s`);
    console.log('PyTorch reference, default threads...');
    torchDefault = torchRun(py.python, 0, ti);
    console.log(`  ${torchDefault.imagesPerSecond.toFixed(2)} images/s (${torchDefault.threads} threads)`);
    if (torchDefault.threads < cpus().length) {
      console.log(`PyTorch reference, ${cpus().length} threads (all cores)...`);
      torchAllCores = torchRun(py.python, cpus().length, ti);
      console.log(`  ${torchAllCores.imagesPerSecond.toFixed(2)} images/s`);
    }
  } catch (e) {
    torchUnavailable = (e as Error).message;
  }
}
const torchImagesPerSecond = torch1 ? torch1.imagesPerSecond : null;
const result = {
  benchmark: "STDP training, paper's best Exp 1 network (797 neurons), real MNIST, T = 100, 128 Hz, batch 1, learning on",
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
  imagesPerSecond: wasm.imagesPerSecond,
  torchImagesPerSecond,
  ratio: torchImagesPerSecond ? wasm.imagesPerSecond / torchImagesPerSecond : null,
  peakRssMB,
  torchUnavailable,
  engine: { ...wasm, note: 'one thread; imagesPerSecond includes Poisson encoding, engineImagesPerSecond excludes it' },
  engineLearningOff: validation,
  engineTypeScriptTwins: js,
  torch: {
    python: py.python,
    oneThread: torch1,
    defaultThreads: torchDefault,
    ratioDefaultThreads: torchDefault ? wasm.imagesPerSecond / torchDefault.imagesPerSecond : null,
    /** Only when PyTorch's default uses fewer threads than there are cores. */
    allCores: torchAllCores,
  },
  wasmOverTypeScript: wasm.imagesPerSecond / js.imagesPerSecond,
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(
  `imagesPerSecond ${wasm.imagesPerSecond.toFixed(0)}, torch ${torchImagesPerSecond?.toFixed(2) ?? 'n/a'}, ratio ${result.ratio?.toFixed(0) ?? 'n/a'}, ` +
    `peak RSS ${peakRssMB.toFixed(0)} MB; wrote ${values.out}`,
);
