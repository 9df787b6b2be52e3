/**
 * The engine against the PyTorch reference (bench/stdp/reference.py, exact mode): same spikes, thresholds and
 * weights, bit for bit, with both kernel backends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildDiehlCook } from '../../src/snn/models/diehl-cook.js';
import { fixtureNames, loadFixture } from './fixture-helpers.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('STDP engine vs PyTorch reference fixtures', () => {
  const names = fixtureNames();
  it('has the committed fixtures', () => {
    assert.deepEqual(names, ['exp1-mnist', 'exp2-distance-inhibitory', 'hebbian-diehl-cook', 'wdep-reference-positive']);
  });
  for (const name of names) {
    for (const backend of ['wasm', 'js'] as const) {
      it(`${name} (${backend})`, () => {
        const fx = loadFixture(name);
        const { seed, ...config } = fx.config;
        const dc = buildDiehlCook(config, { seed, backend, initialWeights: fx.initialWeights });
        const net = dc.network;
        const excMon = net.monitor('outpt', { events: true });
        const inhMon = net.monitor('inhib', { events: true });
        let spikes = 0;
        fx.samples.forEach((sample, k) => {
          net.runSample(sample.trains, sample.learning);
          net.resetState();
          const exp = fx.expected[k];
          const e = excMon.events();
          const h = inhMon.events();
          assert.deepEqual([...e.t], exp.exc.t, `${name} sample ${k}: exc spike times`);
          assert.deepEqual([...e.neuron], exp.exc.j, `${name} sample ${k}: exc spike neurons`);
          assert.deepEqual([...h.t], exp.inh.t, `${name} sample ${k}: inh spike times`);
          assert.deepEqual([...h.neuron], exp.inh.j, `${name} sample ${k}: inh spike neurons`);
          assert.equal(maxAbsDiff(dc.exc.theta.subarray(0, dc.exc.n), exp.theta), 0, `${name} sample ${k}: theta`);
          if (k === 0) assert.equal(maxAbsDiff(dc.inputToExc.weights(), fx.weightsAfterFirst), 0, `${name}: weights after sample 0`);
          spikes += e.t.length;
        });
        assert.equal(maxAbsDiff(dc.inputToExc.weights(), fx.weightsFinal), 0, `${name}: final weights`);
        assert.ok(spikes > 20, `${name}: the fixture exercises spiking (${spikes} exc spikes)`);
      });
    }
  }
});
