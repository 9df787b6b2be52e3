/**
 * Surrogate-gradient engine: shapes and their errors, fixed-point ALIF against a hand-computed integer trace,
 * losses, Adam, and the batch machinery (threads give the same gradients as one replica).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planNetwork, parameterCount } from '../../src/slayer/architecture.js';
import { convDvs, convMnist, EXP3_BEST } from '../../src/slayer/models.js';
import { alifForwardFixed, quantizedThreshold, type NeuronParams } from '../../src/slayer/neuron.js';
import { maxLoss, predict, rateLoss } from '../../src/slayer/loss.js';
import { Adam } from '../../src/slayer/adam.js';
import { LocalReplicas, ThreadReplicas, type BatchSample } from '../../src/slayer/replicas.js';
import { SlayerNetwork, type SlayerNetworkConfig } from '../../src/slayer/network.js';
import { fromDenseTimeMajor } from '../../src/data/spikes.js';
import { UserError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

describe('network shapes', () => {
  it("ConvMNIST with the paper's best Exp 3 sizes: 28 → 17 → 16 → 6 → 5, dense input 1150", () => {
    const plans = planNetwork(convMnist(EXP3_BEST).input, convMnist(EXP3_BEST).blocks);
    assert.deepEqual(plans.map((p) => [p.name, p.C, p.H, p.W]), [['c1', 123, 17, 17], ['a1', 123, 16, 16], ['c2', 46, 6, 6], ['a2', 46, 5, 5], ['outpt', 10, 1, 1]]);
    assert.equal(plans[4].conv!.kh * plans[4].conv!.kw * plans[4].conv!.cin, 1150);
  });

  it("ConvDVS of the paper's best Exp 4 network has the logged 145 605 592 parameters", () => {
    const hp = { ...EXP3_BEST, c1_filters: 15, c1_k: 20, c2_filters: 29, c2_k: 12 };
    const cfg = convDvs(hp);
    const plans = planNetwork(cfg.input, cfg.blocks);
    assert.deepEqual(plans.map((p) => p.H), [125, 110, 109, 100, 99, 1, 1]);
    assert.equal(parameterCount(plans), 145_605_592);
  });

  it('rejects a kernel larger than its input, naming the block and the sizes', () => {
    const cfg = convMnist({ ...EXP3_BEST, c1_k: 12, c2_k: 18 });
    assert.throws(() => planNetwork(cfg.input, cfg.blocks), (e: Error) => e instanceof UserError && /'c2'/.test(e.message) && /18/.test(e.message) && /16×16/.test(e.message));
  });

  it('rejects a layer of size zero', () => {
    const cfg = convMnist({ ...EXP3_BEST, c2_filters: 0 });
    assert.throws(() => planNetwork(cfg.input, cfg.blocks), /'c2'.*filters must be a positive integer, got 0/);
  });

  it('rejects input of the wrong size or length, naming both', () => {
    const net = new SlayerNetwork(
      { input: { channels: 1, height: 4, width: 4, T: 3 }, blocks: [{ kind: 'dense', name: 'outpt', out: 2 }], neuron: neuron('alif') },
      { dtype: 'float64', backend: 'js' },
    );
    const trains = fromDenseTimeMajor(new Uint8Array(5 * 16), 5, 16);
    assert.throws(() => net.forward(trains, null), (e: Error) => e instanceof UserError && /16 inputs × 5 steps, the network expects 1×4×4 × 3/.test(e.message));
  });

  it('requires a dense output block', () => {
    assert.throws(
      () => new SlayerNetwork({ input: { channels: 1, height: 4, width: 4, T: 3 }, blocks: [{ kind: 'conv', name: 'c', out: 2, kernel: 2 }], neuron: neuron('alif') }),
      /last block \('c'\) must be dense/,
    );
  });
});

function neuron(kind: 'alif' | 'cuba', over: Partial<NeuronParams> = {}): NeuronParams {
  return {
    kind, threshold: 1.3354, thresholdStep: 0.01, currentDecay: 0.5, voltageDecay: 0.25, thresholdDecay: 0.5,
    refractoryDecay: 0.5, tauGrad: 1, scaleGrad: 1, ...over,
  };
}

describe('ALIF fixed point (spec B3)', () => {
  it('θ₀ = 1.3354 becomes 85/64 and threshold_step 0.01 becomes 0', () => {
    assert.equal(quantizedThreshold(1.3354, 'fixed'), 85 / 64);
    assert.equal(quantizedThreshold(0.01, 'fixed'), 0);
    assert.equal(quantizedThreshold(1.3354, 'float'), 1.3354);
  });

  it('integer trace for a constant input matches the hand computation', () => {
    // z = 0.5 → 2048 units; D_u = 2048, D_v = 1024, D_r = 2048; TH0 = trunc(4096·85/64) = 5440, STEP = 0.
    //   t  U     V      R      TH    spike
    //   0  2048  2048   0      5440  no
    //   1  3072  4608   0      5440  no
    //   2  3584  7040   0      5440  yes → R = 10880
    //   3  3840  9120   5440   5440  no  (9120 < 10880)
    //   4  3968  10808  2720   5440  yes (10808 ≥ 8160) → R = 13600
    //   5  4032  12138  6800   5440  no  (12138 < 12240)
    const T = 6;
    const z = new Float64Array(T * 4);
    for (let t = 0; t < T; t++) z[t * 4] = 0.5;
    const u = new Float64Array(T * 4), v = new Float64Array(T * 4), d = new Float64Array(T * 4), s = new Float64Array(T * 4);
    alifForwardFixed(1, T, 4, 1, z, neuron('alif'), 2048, 1024, u, v, d, s);
    const col = (a: Float64Array) => Array.from({ length: T }, (_, t) => a[t * 4]);
    assert.deepEqual(col(s), [0, 0, 1, 0, 1, 0]);
    assert.deepEqual(col(v).map((x) => x * 4096), [2048, 4608, 7040, 9120, 10808, 12138]);
    assert.deepEqual(col(u).map((x) => x * 4096), [2048, 3072, 3584, 3840, 3968, 4032]);
    assert.deepEqual(col(d).map((x) => x * 4096), [2048 - 5440, 4608 - 5440, 7040 - 5440, 9120 - 10880, 10808 - 8160, 12138 - 12240]);
  });

  it('fixed and float modes stay close on random inputs', () => {
    const cfg = (mode: 'float' | 'fixed'): SlayerNetworkConfig => ({
      input: { channels: 1, height: 8, width: 8, T: 10 },
      blocks: [{ kind: 'conv', name: 'c1', out: 4, kernel: 3 }, { kind: 'dense', name: 'outpt', out: 3 }],
      neuron: neuron('alif', { threshold: 0.75, thresholdStep: 0.0625 }),
      mode,
    });
    const rng = new Rng(3);
    const dense = Uint8Array.from({ length: 640 }, () => (rng.random() < 0.3 ? 1 : 0));
    const input = fromDenseTimeMajor(dense, 10, 64);
    const nets = (['float', 'fixed'] as const).map((m) => new SlayerNetwork(cfg(m), { dtype: 'float64', backend: 'js' }));
    const x = nets[0].layout.initialize(nets[0].config.neuron, new Rng(4));
    // Weights on the 1/32 grid already, so only state truncation differs.
    for (let i = 0; i < x.length; i++) if (nets[0].layout.learnable[i] && i < nets[0].layout.blocks[0].delay) x[i] = Math.round(x[i] * 32) / 32;
    const spikes = nets.map((n) => {
      n.setParameters(x);
      return n.forward(input, null).blockSpikes[0];
    });
    assert.ok(spikes[0] > 20, `float mode spikes (${spikes[0]})`);
    assert.ok(Math.abs(spikes[0] - spikes[1]) <= 0.1 * spikes[0], `float ${spikes[0]} vs fixed ${spikes[1]} spikes`);
  });
});

describe('losses and classifier (spec B7)', () => {
  it('SpikeRate: Σ (r − r̂)² with 0.2 / 0.03 targets, no ½', () => {
    const g = new Float64Array(3);
    const l = rateLoss([0.2, 0.5, 0], 1, g);
    assert.ok(Math.abs(l - (0.17 ** 2 + 0.3 ** 2 + 0.03 ** 2)) < 1e-15);
    assert.deepEqual(Array.from(g).map((x) => Math.round(x * 1e12) / 1e12), [0.34, 0.6, -0.06]);
  });

  it('SpikeMax: −log p_label with p = r/(Σr + 1e-6), floored at 1e-12', () => {
    const g = new Float64Array(3);
    const l = maxLoss([0.2, 0.6, 0.2], 1, g);
    assert.ok(Math.abs(l + Math.log(0.6 / (1 + 1e-6))) < 1e-12);
    // Finite difference of the gradient.
    const r = [0.2, 0.6, 0.2];
    for (let i = 0; i < 3; i++) {
      const rp = r.slice(); rp[i] += 1e-7;
      const rm = r.slice(); rm[i] -= 1e-7;
      const fd = (maxLoss(rp, 1, new Float64Array(3)) - maxLoss(rm, 1, new Float64Array(3))) / 2e-7;
      assert.ok(Math.abs(fd - g[i]) < 1e-6, `∂L/∂r_${i}`);
    }
    assert.equal(maxLoss([0.3, 0, 0.1], 1, g), -Math.log(1e-12));
    assert.deepEqual(Array.from(g), [0, 0, 0]);
  });

  it('prediction: argmax, lowest index on ties, all silent → 0', () => {
    assert.equal(predict([0.1, 0.3, 0.3]), 1);
    assert.equal(predict([0, 0, 0]), 0);
  });
});

describe('Adam (PyTorch defaults)', () => {
  it('first steps move each learnable value by about lr, masked values not at all', () => {
    const x = Float64Array.from([1, 2, 3]);
    const adam = new Adam(Uint8Array.from([1, 1, 0]), 0.1);
    adam.step(x, Float64Array.from([0.5, -2, 7]));
    assert.ok(Math.abs(x[0] - 0.9) < 1e-7 && Math.abs(x[1] - 2.1) < 1e-7 && x[2] === 3);
    adam.step(x, Float64Array.from([0.5, -2, 7]));
    assert.ok(Math.abs(x[0] - 0.8) < 1e-7);
  });
});

describe('replicas', () => {
  const cfg: SlayerNetworkConfig = {
    input: { channels: 1, height: 10, width: 10, T: 8 },
    blocks: [
      { kind: 'conv', name: 'c1', out: 5, kernel: 3, delay: true, dropout: 0.2 },
      { kind: 'pool', name: 'a1', kernel: 2, stride: 1 },
      { kind: 'dense', name: 'outpt', out: 4 },
    ],
    neuron: neuron('alif', { threshold: 0.4, thresholdStep: 0.05, tauGrad: 0.3 }),
  };
  const rng = new Rng(11);
  const samples: BatchSample[] = Array.from({ length: 5 }, (_, k) => ({
    trains: fromDenseTimeMajor(Uint8Array.from({ length: 800 }, () => (rng.random() < 0.25 ? 1 : 0)), 8, 100),
    label: k % 4,
    seed: 100 + k,
  }));

  it('two worker threads give the gradient and outcomes of one replica', async () => {
    const local = new LocalReplicas(cfg, { dtype: 'float64', backend: 'js' });
    const x = local.net.layout.initialize(cfg.neuron, new Rng(5));
    const g1 = new Float64Array(x.length);
    const o1 = await local.run(x, samples, true, 'rate', g1);
    const threads = await ThreadReplicas.start(cfg, { dtype: 'float64', backend: 'js' }, 2, x.length);
    try {
      const g2 = new Float64Array(x.length);
      const o2 = await threads.run(x, samples, true, 'rate', g2);
      assert.deepEqual(o2.map((o) => o.prediction), o1.map((o) => o.prediction));
      assert.deepEqual(o2.map((o) => Array.from(o.blockSpikes)), o1.map((o) => Array.from(o.blockSpikes)));
      let norm = 0;
      let diff = 0;
      for (let i = 0; i < x.length; i++) {
        norm += g1[i] ** 2;
        diff += (g1[i] - g2[i]) ** 2;
      }
      assert.ok(norm > 0 && Math.sqrt(diff / norm) < 1e-12, 'same gradient up to summation order');
      const e2 = await threads.run(x, samples, false, 'rate', g2);
      assert.deepEqual(e2.map((o) => o.prediction), (await local.run(x, samples, false, 'rate', g1)).map((o) => o.prediction));
    } finally {
      await threads.close();
    }
  });

  it('a configuration error in a thread surfaces when the threads start', async () => {
    await assert.rejects(ThreadReplicas.start({ ...cfg, neuron: { ...cfg.neuron, threshold: -1 } }, {}, 2, 10), /threshold must be a positive number/);
  });
});

describe('step windows of the backward kernels', () => {
  it('neuronBackward and convWeightGrad with tEnd equal the full computation when gs is 0 from tEnd on (twin and wasm)', async () => {
    const { JS_SLAYER_KERNELS } = await import('../../src/kernels/slayer-kernels.js');
    const { createSlayerArena, createSlayerKernels } = await import('../../src/kernels/slayer-wasm.js');
    const P = 3, T = 9, cp = 8, tEnd = 6;
    const n = P * T * cp;
    const rng = new Rng(21);
    const fill = (a: Float32Array, f: (i: number) => number) => { for (let i = 0; i < a.length; i++) a[i] = f(i); return a; };
    const arena = createSlayerArena('auto');
    const slots = Array.from({ length: 7 }, () => arena.f32(n));
    const accSlots = [arena.f64(2), arena.f64(2)];
    arena.commit();
    const [gs, delta, u, v, gz1, gz2, gz3] = slots.map((s) => s.view());
    fill(gs, (i) => (Math.floor(i / cp) % T >= tEnd ? 0 : rng.uniform(-1, 1)));
    fill(delta, () => rng.uniform(-2, 2));
    fill(u, () => rng.uniform(-1, 1));
    fill(v, () => rng.uniform(-1, 1));
    gz2.fill(7);
    const [a1, a2] = accSlots.map((s) => s.view());
    JS_SLAYER_KERNELS.neuronBackward(P, T, cp, gs, delta, u, v, 0.6, 0.8, 0.01, 3, gz1, a1);
    JS_SLAYER_KERNELS.neuronBackward(P, T, cp, gs, delta, u, v, 0.6, 0.8, 0.01, 3, gz2, a2, tEnd);
    assert.deepEqual(Array.from(gz2), Array.from(gz1));
    assert.deepEqual(Array.from(a2), Array.from(a1));
    const k = createSlayerKernels(arena);
    a2.fill(0);
    gz3.fill(7);
    k.neuronBackward(P, T, cp, gs, delta, u, v, 0.6, 0.8, 0.01, 3, gz3, a2, tEnd);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(gz3[i] - gz1[i]) <= 1e-6 * (1 + Math.abs(gz1[i])), `gz[${i}]`);
    assert.ok(Math.abs(a2[0] - a1[0]) < 1e-5 * (1 + Math.abs(a1[0])) && Math.abs(a2[1] - a1[1]) < 1e-5 * (1 + Math.abs(a1[1])));
  });
});
