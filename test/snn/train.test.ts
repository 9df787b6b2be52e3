/**
 * The training/evaluation driver on a small synthetic task: chunk protocol, early-stopping hook, determinism,
 * and learning that beats chance.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SpikeDataset } from '../../src/data/dataset.js';
import { buildDiehlCook, bindsnetDefaultConfig, trainAndEvaluate, type ChunkReport } from '../../src/snn/index.js';
import type { Rng } from '../../src/util/rng.js';
import { trainsFrom } from './helpers.js';

/** 3 classes over 30 inputs: class c fires inputs 10c..10c+9 with probability 0.25 per step, others 0.01. */
function synthetic(size: number, offset: number): SpikeDataset {
  const T = 40;
  return {
    name: 'synthetic-bars',
    size,
    shape: [1, 1, 30],
    nInputs: 30,
    T,
    nClasses: 3,
    synthetic: true,
    label: (i) => (i + offset) % 3,
    events: (i: number, rng: Rng) => {
      const c = (i + offset) % 3;
      const s: [number, number][] = [];
      for (let t = 0; t < T; t++) for (let j = 0; j < 30; j++) if (rng.random() < (Math.floor(j / 10) === c ? 0.25 : 0.01)) s.push([t, j]);
      return trainsFrom(T, 30, s);
    },
  };
}

function net(seed = 1) {
  const cfg = bindsnetDefaultConfig(30, 9);
  return buildDiehlCook({ ...cfg, input: { ...cfg.input, norm: 6, nuPost: 0.05 }, strengthInh: 30, exc: { ...cfg.exc, thetaPlus: 0.2 } }, { seed });
}

describe('trainAndEvaluate', () => {
  it('runs the chunk protocol: decoders predict then learn each closed chunk; the trailing chunk is not stop-checked', () => {
    const reports: ChunkReport[] = [];
    const r = trainAndEvaluate({
      network: net().network,
      train: synthetic(90, 0),
      validation: synthetic(60, 1),
      epochs: 2,
      updateInterval: 19,
      decoders: ['all', 'vote', '2gram', 'log', 'svm'],
      decoder: 'all',
      seed: 7,
      onChunk: (c) => void reports.push(c),
    });
    // 90 samples per epoch in chunks of 20: 4 checked chunks + a trailing 10 per epoch.
    assert.equal(reports.length, 8);
    assert.deepEqual(
      reports.map((c) => [c.epoch, c.samplesInEpoch, c.labels.length]),
      [1, 2].flatMap((e) => [20, 40, 60, 80].map((s) => [e, s, 20])),
    );
    assert.deepEqual(Object.keys(reports[0].layerTotals), ['inpt', 'outpt', 'inhib']);
    assert.equal(reports[0].layerTotals.outpt.length, 20);
    assert.equal(r.processedTrain, 180);
    assert.equal(r.processedValidation, 60);
    assert.equal(r.stopped, false);
    assert.equal(r.trainAccuracy.all!.length, 2);
    assert.ok(r.spikes.train.outpt > 0 && r.spikes.validation.outpt > 0);
    // Separable bars: well above chance (1/3) for the rate decoders.
    assert.ok(r.accuracies.all! > 0.8, `all ${r.accuracies.all}`);
    assert.ok(r.accuracies.vote! > 0.8, `vote ${r.accuracies.vote}`);
    assert.equal(r.accuracy, r.accuracies.all);
    assert.ok(r.timings.trainImagesPerSecond > 0);
    assert.equal(r.assignedPerClass!.reduce((a, b) => a + b, 0), 9);
  });

  it('stops when onChunk returns true, then still validates', () => {
    const r = trainAndEvaluate({
      network: net().network,
      train: synthetic(90, 0),
      validation: synthetic(12, 1),
      epochs: 3,
      updateInterval: 19,
      decoders: ['all'],
      decoder: 'all',
      seed: 7,
      onChunk: (c) => c.samplesInEpoch >= 40,
    });
    assert.equal(r.stopped, true);
    assert.deepEqual(r.stoppedAt, { epoch: 1, samples: 40 });
    assert.equal(r.processedTrain, 40);
    assert.equal(r.epochsRun, 1);
    assert.equal(r.processedValidation, 12);
  });

  it('is deterministic for a seed', () => {
    const run = () =>
      trainAndEvaluate({
        network: net(3).network,
        train: synthetic(30, 0),
        validation: synthetic(15, 1),
        epochs: 1,
        updateInterval: 9,
        decoders: ['all', '2gram'],
        decoder: '2gram',
        seed: 'det',
      });
    const a = run();
    const b = run();
    assert.deepEqual(a.accuracies, b.accuracies);
    assert.deepEqual(a.spikes, b.spikes);
  });

  it('rejects a primary decoder that is not computed', () => {
    assert.throws(
      () => trainAndEvaluate({ network: net().network, train: synthetic(3, 0), validation: synthetic(3, 0), epochs: 1, updateInterval: 1, decoders: ['all'], decoder: 'vote', seed: 1 }),
      /decoder vote/,
    );
  });
});
