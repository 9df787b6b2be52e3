/**
 * The simulation loop (spec snn-models.md A3) and connection semantics (A2): delays, reset_interval,
 * normalisation, clamping, lateral weights, monitors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildDiehlCook, experiment1Config, experiment2Config, PAPER_BEST_EXP1, distanceWeight } from '../../src/snn/models/diehl-cook.js';
import { Network } from '../../src/snn/network.js';
import { InputLayer } from '../../src/snn/layers/input.js';
import { LifLayer } from '../../src/snn/layers/lif.js';
import { DenseConnection } from '../../src/snn/connections/dense.js';
import { AllButSelfConnection, OneToOneConnection } from '../../src/snn/connections/structured.js';
import { postPre } from '../../src/snn/learning/post-pre.js';
import { Rng } from '../../src/util/rng.js';
import { lif, oneLayerNet, randomTrains, silentTrains, trainsFrom } from './helpers.js';

/** input(1) → exc(2) → inh(2) → exc, with strong weights, to observe path latencies. */
function chain(resetInterval: number | null = null) {
  const net = new Network({ backend: 'wasm', resetInterval });
  const input = net.addLayer(new InputLayer(1, net.ctx));
  const exc = net.addLayer(new LifLayer('exc', 2, lif({ refrac: 0 }), net.ctx));
  const inh = net.addLayer(new LifLayer('inh', 2, lif({ refrac: 0 }), net.ctx));
  net.addConnection(new DenseConnection(input, exc, net.ctx, { init: { kind: 'function', fn: (_i, j) => (j === 0 ? 50 : 0) } }));
  net.addConnection(new OneToOneConnection(exc, inh, 50));
  net.addConnection(new AllButSelfConnection(inh, exc, -7));
  net.build();
  return { net, exc, inh, em: net.monitor('exc', { events: true }), im: net.monitor('inh', { events: true }) };
}

describe('simulation loop', () => {
  it('delays every connection by one step: input t → exc t+1 → inh t+2 → inhibition at t+3', () => {
    const { net, exc, em, im } = chain();
    // Probe exc neuron 1's potential: it receives only the lateral inhibition.
    const T = 7;
    const v1: number[] = [];
    for (let T1 = 1; T1 <= T; T1++) {
      net.resetState();
      net.runSample(trainsFrom(T1, 1, T1 > 2 ? [[2, 0]] : []), false);
      v1.push(exc.v[1]);
    }
    net.resetState();
    net.runSample(trainsFrom(T, 1, [[2, 0]]), false);
    assert.deepEqual([...em.events().t], [3]);
    assert.deepEqual([...em.events().neuron], [0]);
    assert.deepEqual([...im.events().t], [4]);
    // Neuron 1 is at rest until step 5, when inhibition −7 arrives.
    for (let t = 0; t < 5; t++) assert.equal(v1[t], -65, `step ${t}`);
    assert.ok(Math.abs(v1[5] - -72) < 1e-4, `step 5: ${v1[5]}`);
  });

  it('reset_interval resets state at t ≡ 0 (mod interval), discarding the previous step’s spikes', () => {
    // Input at step 4 would reach exc at step 5; a reset at step 5 discards it.
    for (const [ri, expected] of [
      [null, [5]],
      [5, []],
      [4, [5]],
    ] as const) {
      const { net, em } = chain(ri);
      net.runSample(trainsFrom(8, 1, [[4, 0]]), false);
      assert.deepEqual([...em.events().t], expected, `resetInterval ${ri}`);
    }
  });

  it('accumulates several dense connections into one target as BindsNET does (each s·W first, then added)', () => {
    // Two inputs layers into the same target: contributions 1e8 and (1 − 1e8) must be summed per connection.
    const net = new Network({ backend: 'wasm' });
    const a = net.addLayer(new InputLayer(2, net.ctx, { name: 'a' }));
    const b = net.addLayer(new InputLayer(2, net.ctx, { name: 'b' }));
    const out = net.addLayer(new LifLayer('out', 1, lif({ thresh: 1e9, tcDecay: 1e9, rest: 0, reset: 0 }), net.ctx));
    net.addConnection(new DenseConnection(a, out, net.ctx, { init: { kind: 'values', values: [1e8, 0] } }));
    net.addConnection(new DenseConnection(b, out, net.ctx, { init: { kind: 'values', values: [-1e8, 1] } }));
    net.build();
    net.runSample({ a: trainsFrom(2, 2, [[0, 0]]), b: trainsFrom(2, 2, [[0, 0], [0, 1]]) }, false);
    // 1e8 + ((−1e8) + 1) = 1e8 − 1e8 = 0 in float32 (the scratch vector holds −1e8 + 1 = −1e8).
    assert.equal((net.layer('out') as LifLayer).v[0], 0);
  });

  it('keeps per-layer totals, per-neuron counts and events', () => {
    const dc = buildDiehlCook({ ...experiment1Config({ ...PAPER_BEST_EXP1, map_size: 30 }) }, { seed: 3 });
    const mon = dc.network.monitor('outpt', { perNeuron: true, events: true });
    const act = dc.network.runSample(randomTrains(60, 784, 0.03, new Rng(1)), true);
    assert.deepEqual(act.layers, ['inpt', 'outpt', 'inhib']);
    const ev = mon.events();
    assert.equal(act.totals[1], mon.total);
    assert.equal(ev.t.length, mon.total);
    assert.equal(mon.counts!.reduce((a, b) => a + b, 0), mon.total);
    for (let k = 1; k < ev.t.length; k++) assert.ok(ev.t[k] > ev.t[k - 1], 'one spike per step (one-spike rule)');
    assert.ok(act.totals[0] > 1000 && act.totals[1] > 0);
  });

  it('rejects trains of the wrong width and runs before build', () => {
    const { net } = oneLayerNet(3, 2, lif(), {});
    assert.throws(() => net.runSample(silentTrains(5, 4)), /3 neurons/);
    const raw = new Network({ backend: 'js' });
    assert.throws(() => raw.runSample(silentTrains(5, 4)), /build/);
  });
});

describe('normalisation and clamping', () => {
  /** input(20) → exc(6) with PostPre, bounds [0, 1], norm 15 (mean weight 0.75: normalisation exceeds 1). */
  function normNet(backend: 'wasm' | 'js') {
    return oneLayerNet(
      20,
      6,
      { model: 'adaptive', rest: -65, reset: -60, thresh: -55, refrac: 2, tcDecay: 50, traceTc: 20, thetaPlus: 0.05, tcThetaDecay: 1e6 },
      { rule: postPre({ nuPre: 1e-3, nuPost: 1e-2 }), wmin: 0, wmax: 1, norm: 15, init: { kind: 'function', fn: (i, j) => ((i * 7 + j * 3) % 10) / 10 + 0.05 } },
      { backend, inputTraceTc: 20 },
    );
  }
  const colSums = (w: Float32Array, nPre: number, nPost: number) =>
    Array.from({ length: nPost }, (_, j) => {
      let s = 0;
      for (let i = 0; i < nPre; i++) s += Math.abs(w[i * nPost + j]);
      return s;
    });

  for (const backend of ['wasm', 'js'] as const) {
    it(`normalises columns at the end of every sample, learning or not (${backend})`, () => {
      const { net, conn } = normNet(backend);
      const rng = new Rng(5);
      for (const learning of [true, false, false, true]) {
        net.runSample(randomTrains(30, 20, 0.2, rng), learning);
        net.resetState();
        for (const s of colSums(conn.weights(), 20, 6)) assert.ok(Math.abs(s - 15) < 1e-4, `column sum ${s}`);
      }
    });

    it(`clamps the whole matrix at the first learning step after a normalisation, never while not learning (${backend})`, () => {
      const { net, conn } = normNet(backend);
      const rng = new Rng(6);
      net.runSample(randomTrains(30, 20, 0.2, rng), true);
      net.resetState();
      // Normalised to sums of 15 over 20 inputs: many weights exceed wmax = 1 until the next learning step.
      assert.ok(conn.weights().some((x) => x > 1), 'normalisation pushed weights above wmax');
      net.runSample(randomTrains(30, 20, 0.2, rng), false);
      net.resetState();
      const w = conn.weights();
      assert.ok(w.some((x) => x > 1), 'validation does not clamp');
      // A learning sample without input: the first learning step clamps everything, the end normalises again.
      net.runSample(silentTrains(2, 20), true);
      net.resetState();
      // Eager computation: clamp to [0, 1], then normalise with float32 column sums accumulated in row order.
      const f = Math.fround;
      const c = w.map((x) => Math.min(Math.max(x, 0), 1));
      const sums = new Float32Array(6);
      for (let i = 0; i < 20; i++) for (let j = 0; j < 6; j++) sums[j] = f(sums[j] + Math.abs(c[i * 6 + j]));
      const expected = c.map((x, k) => f(x * f(f(15) / sums[k % 6])));
      assert.deepEqual(Array.from(conn.weights()), Array.from(expected));
    });
  }
});

describe('Diehl & Cook networks', () => {
  it('Exp 1: one-to-one excitation and uniform lateral inhibition −strength_inh', () => {
    const dc = buildDiehlCook(experiment1Config({ ...PAPER_BEST_EXP1, map_size: 5 }), { seed: 1 });
    assert.equal(dc.excToInh.weights[0], Math.fround(356.9));
    assert.equal((dc.inhToExc as AllButSelfConnection).weight, -Math.fround(433.6));
    assert.equal(dc.inputToExc.wmin, 0);
    assert.equal(dc.inputToExc.wmax, 1);
    assert.equal(dc.inputToExc.norm, 123.4);
    assert.equal(dc.network.parameterCount, 784 * 5 + 25 + 25);
    // Initial weights U[0, 1) drawn from the seed.
    const w = dc.inputToExc.weights();
    assert.ok(w.every((x) => x >= 0 && x < 1));
    const again = buildDiehlCook(experiment1Config({ ...PAPER_BEST_EXP1, map_size: 5 }), { seed: 1 }).inputToExc.weights();
    assert.deepEqual(Array.from(w), Array.from(again));
  });

  const hp2 = { ...PAPER_BEST_EXP1, map_size: 5, reset_interval: 10, e_tc_trace: 50 };
  it('Exp 2 default: distance-dependent lateral weights are inhibitory, −strength_inh·|i − j|/(n − 1)', () => {
    const dc = buildDiehlCook(experiment2Config(hp2, { nInputs: 64 }), { seed: 1 });
    const lat = dc.inhToExc as DenseConnection;
    assert.equal(lat.weight(0, 4), -Math.fround(433.6));
    assert.equal(lat.weight(1, 3), -distanceWeight(1, 3, 5, 433.6));
    assert.equal(lat.weight(2, 2), -0);
    assert.equal(dc.network.resetInterval, 10);
    assert.equal(dc.exc.params.model, 'adaptive');
    assert.equal(dc.exc.params.traceTc, 50);
  });

  it("Exp 2 `lateralSign: 'reference-positive'` keeps the reference's excitatory sign (quirk Q14)", () => {
    const pos = buildDiehlCook(experiment2Config(hp2, { nInputs: 64, lateralSign: 'reference-positive' }), { seed: 1 });
    const neg = buildDiehlCook(experiment2Config(hp2, { nInputs: 64 }), { seed: 1 });
    const lp = pos.inhToExc as DenseConnection;
    assert.equal(lp.weight(0, 4), Math.fround(433.6));
    // An inhibitory spike of neuron 0 raises distant excitatory potentials with the reference sign and lowers them by default.
    for (const [dc, sign] of [
      [pos, 1],
      [neg, -1],
    ] as const) {
      dc.inh.spikes[0] = 0;
      dc.inh.spikeCount = 1;
      const out = dc.exc.input;
      out.fill(0);
      dc.inhToExc.propagate(out, true);
      assert.equal(Math.sign(out[4]), sign);
      assert.equal(out[0], 0);
      dc.inh.spikeCount = 0;
    }
  });
});
