/**
 * Neuron models against hand computations (spec snn-models.md A1 conformance list).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lif, oneLayerNet, trainsFrom } from './helpers.js';

const f = Math.fround;

/** Runs T steps of input 0 spiking at `steps` (weight w to every neuron); returns the spikes of every step. */
function drive(params: Parameters<typeof oneLayerNet>[2], steps: number[], T: number, w: number, n = 1, learning = true) {
  const { net, layer } = oneLayerNet(1, n, params, { init: { kind: 'function', fn: () => w } });
  const trains = trainsFrom(
    T,
    1,
    steps.map((t) => [t, 0]),
  );
  const mon = net.monitor('out', { events: true });
  net.runSample(trains, learning);
  const ev = mon.events();
  const spikes: number[][] = Array.from({ length: T }, () => []);
  for (let k = 0; k < ev.t.length; k++) spikes[ev.t[k]].push(ev.neuron[k]);
  return { net, layer, spikes };
}

describe('LIF neurons', () => {
  it('integrate constant input as v ← rest + (v − rest)·decay + I, in float32', () => {
    // Input spikes at every step 0..9 reach the layer at steps 1..10 (one-step delay).
    const p = lif({ thresh: 100 });
    const { layer } = drive(p, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 11, 2.5);
    const d = f(Math.exp(-1 / 100));
    let v = f(-65);
    for (let t = 0; t < 11; t++) {
      v = f(f(f(v - f(-65)) * d) + f(-65));
      if (t >= 1) v = f(v + f(2.5));
    }
    assert.equal(layer.v[0], v);
    // Closed form (real arithmetic): v − rest = I·d·(1 − d^10)/(1 − d) after the 10 inputs and one more leak.
    const closed = -65 + 2.5 * ((1 - Math.exp(-10 / 100)) / (1 - Math.exp(-1 / 100)));
    assert.ok(Math.abs(layer.v[0] - closed) < 1e-3, `${layer.v[0]} vs ${closed}`);
  });

  it('ignore input for `refrac` steps after a spike, then integrate again', () => {
    // A strong input at step 0 makes the neuron spike at step 1; inputs arriving at steps 2..6 (refrac 5) are
    // ignored, the one arriving at step 7 counts.
    const p = lif({ refrac: 5, thresh: -52, reset: -65 });
    const big = 20;
    for (const [arrival, expectSpike] of [
      [6, false],
      [7, true],
    ] as const) {
      const { spikes } = drive(p, [0, arrival - 1], 10, big);
      assert.deepEqual(spikes[1], [0]);
      assert.deepEqual(spikes[arrival], expectSpike ? [0] : [], `input arriving at step ${arrival}`);
    }
  });

  it('fire again while refractory when the leaked reset potential stays above threshold', () => {
    // rest −30, reset −45, thresh −44, τ 10: after a reset, −30 + (−15)·e^(−1/10) = −43.57 ≥ −44.
    const p = lif({ rest: -30, reset: -45, thresh: -44, tcDecay: 10, refrac: 5 });
    const { spikes } = drive(p, [], 6, 0);
    assert.deepEqual(spikes, [[0], [0], [0], [0], [0], [0]]);
    // With reset −46 the leaked potential −44.48 stays below threshold for one step.
    const q = drive(lif({ rest: -30, reset: -46, thresh: -44, tcDecay: 10, refrac: 5 }), [], 6, 0);
    assert.deepEqual(q.spikes.slice(0, 3), [[0], [], [0]]);
  });

  it('apply a lower bound on v when given', () => {
    const p = lif({ lbound: -70, thresh: 100 });
    const { layer } = drive(p, [0], 2, -30);
    assert.equal(layer.v[0], -70);
  });
});

describe('adaptive and Diehl & Cook neurons', () => {
  const adaptive = (over = {}) =>
    ({ model: 'adaptive', rest: -65, reset: -60, thresh: -52, refrac: 0, tcDecay: 100, thetaPlus: 0.5, tcThetaDecay: 1000, ...over }) as const;

  it('raise θ by theta_plus per spike and decay it while learning', () => {
    // Input 20 every step: spikes whenever v ≥ −52 + θ.
    const steps = Array.from({ length: 19 }, (_, t) => t);
    const { layer, spikes } = drive(adaptive(), steps, 20, 20);
    const nSpikes = spikes.flat().length;
    assert.ok(nSpikes >= 5);
    // Replay θ by hand.
    const dth = f(Math.exp(-1 / 1000));
    let th = 0;
    for (let t = 0; t < 20; t++) {
      th = f(th * dth);
      if (spikes[t].length) th = f(th + f(0.5));
    }
    assert.equal(layer.theta[0], th);
  });

  it('freeze θ when learning is off (no decay, no growth)', () => {
    const steps = Array.from({ length: 19 }, (_, t) => t);
    const { net, layer } = drive(adaptive(), steps, 20, 20);
    const before = layer.theta[0];
    assert.ok(before > 0);
    net.resetState();
    const spikes: number[] = [];
    const mon = net.monitor('out', { events: true });
    net.runSample(trainsFrom(20, 1, steps.map((t) => [t, 0])), false);
    spikes.push(...mon.events().t);
    assert.ok(spikes.length > 0, 'still spikes');
    assert.equal(layer.theta[0], before);
    // resetState keeps θ.
    net.resetState();
    assert.equal(layer.theta[0], before);
  });

  it('one-spike rule: exactly one spike per step, every crosser reset, refractory and θ-incremented', () => {
    const n = 6;
    const { net, layer } = oneLayerNet(
      1,
      n,
      { model: 'diehl-cook', rest: -65, reset: -60, thresh: -52, refrac: 3, tcDecay: 100, thetaPlus: 0.25, tcThetaDecay: 1e7 },
      { init: { kind: 'function', fn: (_i, j) => (j % 2 === 0 ? 30 : 0) } },
      { seed: 'one-spike-test' },
    );
    const mon = net.monitor('out', { events: true });
    net.runSample(trainsFrom(2, 1, [[0, 0]]), true);
    const ev = mon.events();
    assert.deepEqual([...ev.t], [1], 'one spike at step 1');
    assert.equal(ev.neuron[0] % 2, 0, 'the spike is one of the crossers');
    for (let j = 0; j < n; j++) {
      const crossed = j % 2 === 0;
      assert.equal(layer.v[j] === f(-60), crossed, `v reset of neuron ${j}`);
      assert.equal(layer.refrac[j] === 3, crossed, `refractory neuron ${j}`);
      assert.equal(layer.theta[j], crossed ? f(0.25) : 0, `θ of neuron ${j}`);
    }
    assert.equal(layer.oneSpikeDraws, 1);
  });

  it('one-spike choice is seeded and uniform over the crossers', () => {
    const counts = new Map<number, number>();
    for (let r = 0; r < 300; r++) {
      const { net } = oneLayerNet(
        1,
        4,
        { model: 'diehl-cook', rest: -65, reset: -60, thresh: -52, refrac: 3, tcDecay: 100, thetaPlus: 0, tcThetaDecay: 1e7 },
        { init: { kind: 'function', fn: () => 30 } },
        { seed: `u${r}` },
      );
      const mon = net.monitor('out', { events: true });
      net.runSample(trainsFrom(2, 1, [[0, 0]]), true);
      const j = mon.events().neuron[0];
      counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    for (let j = 0; j < 4; j++) assert.ok((counts.get(j) ?? 0) > 45, `neuron ${j} chosen ${counts.get(j)} times of 300`);
    const again = () => {
      const { net } = oneLayerNet(
        1,
        4,
        { model: 'diehl-cook', rest: -65, reset: -60, thresh: -52, refrac: 3, tcDecay: 100, thetaPlus: 0, tcThetaDecay: 1e7 },
        { init: { kind: 'function', fn: () => 30 } },
        { seed: 'same' },
      );
      const mon = net.monitor('out', { events: true });
      net.runSample(trainsFrom(2, 1, [[0, 0]]), true);
      return mon.events().neuron[0];
    };
    assert.equal(again(), again());
  });
});
