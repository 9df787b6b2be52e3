/**
 * Finite-difference checks of BPTT: with the spike replaced by the smooth function whose derivative is the
 * surrogate (`spike: 'smooth'`, float64), the engine's backward pass must be the exact gradient of its forward
 * pass — through convolutions (stride, padding), pooling, dense, dropout scaling, the one-step and axonal
 * delay shifts, both integrators and the learnable decays.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SlayerNetwork, type SlayerNetworkConfig } from '../../src/slayer/network.js';
import type { LossName } from '../../src/slayer/loss.js';
import { fromDenseTimeMajor } from '../../src/data/spikes.js';
import { Rng } from '../../src/util/rng.js';

const T = 8;

function config(kind: 'alif' | 'cuba'): SlayerNetworkConfig {
  return {
    input: { channels: 2, height: 6, width: 6, T },
    blocks: [
      { kind: 'conv', name: 'c1', out: 3, kernel: 3, pad: 1, delay: true, dropout: 0.25 },
      { kind: 'pool', name: 'a1', kernel: 2, stride: 1 },
      { kind: 'conv', name: 'c2', out: 5, kernel: 2, stride: 2, delay: true },
      { kind: 'dense', name: 'outpt', out: 4 },
    ],
    neuron: {
      kind, threshold: 0.3, thresholdStep: 0.05, currentDecay: 0.4, voltageDecay: 0.2, thresholdDecay: 0.1,
      refractoryDecay: 0.3, tauGrad: 0.05, scaleGrad: 0.8,
    },
    spike: 'smooth',
  };
}

function sample(rng: Rng) {
  const dense = new Uint8Array(T * 72);
  for (let i = 0; i < dense.length; i++) dense[i] = rng.random() < 0.3 ? 1 : 0;
  return fromDenseTimeMajor(dense, T, 72);
}

function check(kind: 'alif' | 'cuba', loss: LossName) {
  const net = new SlayerNetwork(config(kind), { dtype: 'float64', backend: 'js' });
  const rng = new Rng(`fd-${kind}-${loss}`);
  const x0 = net.layout.initialize(net.config.neuron, rng);
  // Larger weights and delays ≥ 1 on some channels, so that every path carries signal.
  for (let i = 0; i < x0.length; i++) if (net.layout.learnable[i]) x0[i] *= 3;
  net.layout.blocks.forEach((s) => {
    for (let c = 0; c < s.delayLength; c++) x0[s.delay + c] = c % 2 === 0 ? 1.5 : 0.3;
    x0[s.Du] = 4096 * 0.4;
    x0[s.Dv] = 4096 * 0.2;
  });
  const input = sample(rng);
  const keep = { c1: Array.from({ length: 3 * 36 }, (_, i) => (i % 5 === 2 ? 0 : 1)) };
  const label = 1;
  const lossAt = (x: Float64Array): number => {
    net.setParameters(x);
    net.zeroGradients();
    return net.trainSample(input, label, loss, null, keep).loss;
  };
  const l0 = lossAt(x0);
  assert.ok(Number.isFinite(l0));
  const grad = new Float64Array(x0.length);
  net.addGradients(grad);
  // Every learnable weight and decay (delays are piecewise constant in the forward pass: checked by formula).
  let checked = 0;
  let worst = 0;
  let diff2 = 0;
  let norm2 = 0;
  const scale = Math.max(...Array.from(grad, Math.abs));
  assert.ok(scale > 0, 'gradient is not all zero');
  for (let i = 0; i < x0.length; i++) {
    if (!net.layout.learnable[i]) continue;
    if (net.layout.blocks.some((s) => i >= s.delay && i < s.delay + s.delayLength)) continue;
    const isDecay = net.layout.blocks.some((s) => i === s.Du || i === s.Dv);
    const h = isDecay ? 1e-1 : 1e-3;
    const xp = Float64Array.from(x0);
    const xm = Float64Array.from(x0);
    xp[i] += h;
    xm[i] -= h;
    const fd = (lossAt(xp) - lossAt(xm)) / (2 * h);
    const err = Math.abs(fd - grad[i]) / (Math.abs(fd) + Math.abs(grad[i]) + 1e-3 * scale);
    worst = Math.max(worst, err);
    diff2 += (fd - grad[i]) ** 2;
    norm2 += grad[i] ** 2;
    checked++;
  }
  assert.ok(checked > 100, `checked ${checked} parameters`);
  // Central differences carry O(h²) truncation and roundoff: per entry (relative to the entry, floored at 1e-3
  // of the largest gradient) and over the whole vector.
  assert.ok(worst < 1e-5, `worst relative error ${worst}`);
  assert.ok(Math.sqrt(diff2 / norm2) < 1e-6, `relative error of the gradient vector ${Math.sqrt(diff2 / norm2)}`);
}

describe('surrogate-gradient BPTT: finite differences (smooth spikes, float64)', () => {
  it('ALIF, rate loss: every weight and decay gradient matches', () => check('alif', 'rate'));
  it('ALIF, max loss', () => check('alif', 'max'));
  it('CUBA, rate loss', () => check('cuba', 'rate'));
});
