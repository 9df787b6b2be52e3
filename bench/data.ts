/**
 * Data-layer benchmark (`npm run bench:data`): Poisson encoding of real MNIST, DVS preprocessing throughput on
 * synthetic recordings, and the frame cache's size and read time per sample. Writes bench/results/data.json.
 * Everything runs on the main thread, i.e. one core.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/util/rng.js';
import { loadMnist, imageAt } from '../src/data/mnist.js';
import { PoissonEncoder, POISSON_PRESETS } from '../src/data/poisson.js';
import { spikeCount } from '../src/data/spikes.js';
import { writeSyntheticGestureDataset } from '../src/data/dvs/synthetic.js';
import { DvsGestureDataset } from '../src/data/dvs/dataset.js';
import { denoise, toBinaryTrains } from '../src/data/dvs/transforms.js';

const here = dirname(fileURLToPath(import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function encodeBench(T: number, rate: number, reps: number): { seconds: number; meanSpikes: number } {
  const set = loadMnist('train');
  const enc = new PoissonEncoder({ T, rate });
  const times: number[] = [];
  let spikes = 0;
  for (let r = 0; r < reps; r++) {
    const rng = new Rng(r);
    spikes = 0;
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) spikes += spikeCount(enc.encode(imageAt(set, i), rng));
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), meanSpikes: spikes / 10_000 };
}

function dvsBench(): Record<string, number> {
  const root = mkdtempSync(join(tmpdir(), 'spikeopt-bench-'));
  try {
    const data = join(root, 'data');
    const t0 = performance.now();
    const manifest = writeSyntheticGestureDataset({ out: data, samples: 22, format: 'aedat', seed: 1 });
    const genSeconds = (performance.now() - t0) / 1000;
    const ds = new DvsGestureDataset({ root: data, split: 'train', cacheDir: join(root, 'cache') });
    const n = ds.size;
    // Chain only (Denoise + ToFrame + binarise) on samples already in memory.
    const samples = Array.from({ length: n }, (_, i) => ds.recordings.sample(i));
    let events = 0;
    let denoised = 0;
    let active = 0;
    const t1 = performance.now();
    for (const s of samples) {
      const clean = denoise(s, 5000);
      const tr = toBinaryTrains(clean, { nTimeBins: 100 });
      events += s.t.length;
      denoised += clean.t.length;
      active += spikeCount(tr);
    }
    const chainSeconds = (performance.now() - t1) / 1000;
    // End to end from disk: AEDAT parsing + chain + cache write (fresh dataset object, empty cache).
    const cold = new DvsGestureDataset({ root: data, split: 'train', cacheDir: join(root, 'cache'), lruSize: 1 });
    const t2 = performance.now();
    for (let i = 0; i < n; i++) cold.events(i, new Rng(0));
    const coldSeconds = (performance.now() - t2) / 1000;
    const warm = new DvsGestureDataset({ root: data, split: 'train', cacheDir: join(root, 'cache') });
    const t3 = performance.now();
    for (let i = 0; i < n; i++) warm.events(i, new Rng(0));
    const warmSeconds = (performance.now() - t3) / 1000;
    const dir = warm.cache!.dir;
    const files = readdirSync(dir).filter((f) => f.endsWith('.spk'));
    const bytes = files.reduce((a, f) => a + statSync(join(dir, f)).size, 0);
    return {
      dvsSyntheticSamples: n,
      dvsSyntheticGenerateSecondsPerSample: genSeconds / (manifest.samples.train + manifest.samples.test),
      dvsMeanEventsPerSample: events / n,
      dvsMeanEventsAfterDenoise: denoised / n,
      dvsMeanActiveCellsPerSample: active / n,
      dvsFractionActivePerStep: active / n / 100 / 32768,
      dvsPreprocessEventsPerSecond: events / chainSeconds,
      dvsEndToEndEventsPerSecond: events / coldSeconds,
      dvsColdLoadSecondsPerSample: coldSeconds / n,
      dvsCachedLoadSecondsPerSample: warmSeconds / n,
      dvsCacheHits: warm.cache!.hits,
      frameCacheBytesPerSample: bytes / files.length,
      frameDenseBitsetBytesPerSample: (100 * 32768) / 8,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const stdp = encodeBench(POISSON_PRESETS.stdp.T, POISSON_PRESETS.stdp.rate, 5);
const surrogate = encodeBench(POISSON_PRESETS.surrogate.T, POISSON_PRESETS.surrogate.rate, 5);
const dvs = dvsBench();
const result = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, threads: 1 },
  encodeSecondsMnist10kT100: stdp.seconds,
  meanSpikesPerImageT100: stdp.meanSpikes,
  encodeSecondsMnist10kT25: surrogate.seconds,
  meanSpikesPerImageT25: surrogate.meanSpikes,
  ...dvs,
  dvsNote: 'DVS figures are measured on SYNTHETIC recordings (spikeopt data synth-dvs, 5 s gestures); no real DVS128 Gesture data is available offline.',
  pytorchPeer: null,
  pytorchPeerNote: 'not measured: no PyTorch for /usr/bin/python3 on this machine (optional comparison).',
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'data.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
