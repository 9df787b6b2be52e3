/**
 * Surrogate-gradient engine benchmark (`npm run bench:surrogate`): training throughput on real Poisson MNIST at
 * T = 25 (512 Hz) of (a) a mid-size ConvMNIST (conv 32 k5, conv 32 k5, batch 32) and (b) the paper's best Exp 3
 * network (conv 123 k12, conv 46 k11, batch 35), neuron parameters of the paper's best Exp 3 configuration, with
 * the PyTorch reference (bench/surrogate/reference.py, time folded into the batch) on the same machine in the same
 * run and the same number of threads; then a training check: the mid-size network on 10 000 training images for
 * one epoch, validation accuracy on 2 000. Writes bench/results/surrogate.json with `mid.samplesPerSecond`,
 * `mid.torchSamplesPerSecond`, `mid.ratio`, `best.*` likewise, `mid.validationAccuracy` and `peakRssMB`.
 *
 * Options: --threads 2  --batches 6  --warmup 1  --torch-batches 3  --train 10000  --validation 2000
 *          --lr 0.0005 (training check)  --python /usr/bin/python3  --skip-check  --out FILE
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findTorchPython } from './python.js';
import { openMnist, POISSON_PRESETS, subsetDataset } from '../src/data/index.js';
import { convMnist, EXP3_BEST, type SlayerHyperparameters } from '../src/slayer/models.js';
import { trainSlayer } from '../src/slayer/trainer.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    batches: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '1' },
    'torch-batches': { type: 'string', default: '3' },
    train: { type: 'string', default: '10000' },
    validation: { type: 'string', default: '2000' },
    lr: { type: 'string', default: '0.0005' },
    python: { type: 'string' },
    'skip-check': { type: 'boolean', default: false },
    out: { type: 'string', default: join(here, 'results', 'surrogate.json') },
  },
});
const threads = Number(values.threads);
const mnist = openMnist({ seed: 1, encoding: POISSON_PRESETS.surrogate });

const NETS: Record<'mid' | 'best', SlayerHyperparameters> = {
  mid: { ...EXP3_BEST, c1_filters: 32, c1_k: 5, c2_filters: 32, c2_k: 5, batch_size: 32 },
  best: EXP3_BEST,
};

/** Trains `batches` batches after `warmup` ones; throughput over the timed batches (Poisson encoding included). */
async function engineRun(name: 'mid' | 'best', batches: number, warmup: number) {
  const hp = NETS[name];
  const n = (warmup + batches) * hp.batch_size;
  const train = subsetDataset(mnist.train, Array.from({ length: n }, (_, i) => i));
  const marks: number[] = [];
  const r = await trainSlayer(convMnist(hp), {
    train,
    validation: subsetDataset(mnist.validation, []),
    epochs: 1,
    batchSize: hp.batch_size,
    learningRate: hp.learning_rate,
    loss: 'rate',
    seed: 1,
    threads,
    onBatch: () => marks.push(performance.now()),
  });
  const seconds = (marks[marks.length - 1] - marks[warmup - 1]) / 1000;
  return {
    samplesPerSecond: (batches * hp.batch_size) / seconds,
    batch: hp.batch_size,
    batches,
    seconds,
    threads: r.threads,
    spikesPerSample: r.meanSpikes,
    replicaMB: r.replicaBytes / 2 ** 20,
  };
}

function torchRun(python: string, net: 'mid' | 'best', batches: number) {
  const script = join(here, 'surrogate', 'reference.py');
  const args = [script, 'bench', '--net', net, '--batches', String(batches), '--warmup', '1', '--threads', String(threads), '--dtype', 'float32'];
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: 30 * 60 * 1000, cwd: join(here, '..') });
  if (r.status !== 0) throw new Error(`reference.py failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { samplesPerSecond: number; threads: number; torch: string };
}

const py = findTorchPython(values.python);
let torchUnavailable: string | null = py.python ? null : py.reason;
const out: Record<string, unknown> = {};
for (const name of ['mid', 'best'] as const) {
  console.log(`engine: ${name} network, ${values.batches} batches after ${values.warmup} warm-up, ${threads} threads...`);
  const ours = await engineRun(name, Number(values.batches), Number(values.warmup));
  console.log(`  ${ours.samplesPerSecond.toFixed(1)} samples/s`);
  let torch: ReturnType<typeof torchRun> | null = null;
  if (py.python) {
    try {
      console.log(`PyTorch reference: ${name}, ${values['torch-batches']} batches...`);
      torch = torchRun(py.python, name, Number(values['torch-batches']));
      console.log(`  ${torch.samplesPerSecond.toFixed(1)} samples/s`);
    } catch (e) {
      torchUnavailable = (e as Error).message;
    }
  }
  out[name] = {
    ...ours,
    torchSamplesPerSecond: torch?.samplesPerSecond ?? null,
    ratio: torch ? ours.samplesPerSecond / torch.samplesPerSecond : null,
    torchVersion: torch?.torch ?? null,
  };
}

if (!values['skip-check']) {
  const nTrain = Number(values.train);
  const nVal = Number(values.validation);
  console.log(`training check: mid network, ${nTrain} images, 1 epoch, validation on ${nVal}...`);
  const hp = { ...NETS.mid, learning_rate: Number(values.lr) };
  const t0 = performance.now();
  const r = await trainSlayer(convMnist(hp), {
    train: subsetDataset(mnist.train, Array.from({ length: nTrain }, (_, i) => i)),
    validation: subsetDataset(mnist.validation, Array.from({ length: nVal }, (_, i) => i)),
    epochs: 1,
    batchSize: hp.batch_size,
    learningRate: hp.learning_rate,
    loss: 'rate',
    seed: 1,
    threads,
    onBatch: (b) => {
      if (b.batch % 50 === 0) console.log(`  batch ${b.batch}: loss ${(b.loss / b.samples).toFixed(4)}`);
    },
  });
  console.log(`  validation accuracy ${(r.accuracy * 100).toFixed(2)} % (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  Object.assign(out.mid as object, {
    validationAccuracy: r.accuracy,
    trainingCheck: { nTrain, nValidation: nVal, learningRate: hp.learning_rate, trainAccuracy: r.epochs[0].trainAccuracy, trainSeconds: r.trainSeconds, validationSeconds: r.validationSeconds },
  });
}

const result = {
  benchmark: 'surrogate-gradient training (BPTT, Adam, rate loss) on real MNIST, Poisson T = 25 at 512 Hz',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
  threads,
  ...out,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  torchUnavailable,
  notes: 'samples/s over timed batches after warm-up, Poisson encoding included; the PyTorch reference uses torch.set_num_threads(threads)',
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${values.out}`);
