/**
 * Event-driven learning rules and lazy traces against dense float32 computations of BindsNET's tensor
 * expressions (spec snn-models.md A4): the sparse update must give the same bits as updating every entry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LazyTrace } from '../../src/snn/layers/trace.js';
import type { Layer } from '../../src/snn/layers/layer.js';
import { hebbian, postPre } from '../../src/snn/learning/post-pre.js';
import { weightDependentPostPre } from '../../src/snn/learning/weight-dependent.js';
import type { LearningRule, Synapses } from '../../src/snn/learning/rule.js';
import { Rng } from '../../src/util/rng.js';

const f = Math.fround;

/** A layer stub: spikes and a trace, nothing else. */
function stubLayer(name: string, n: number, tc: number): Layer & { spikes: Int32Array; spikeCount: number } {
  return {
    name,
    n,
    n4: n,
    spikes: new Int32Array(n),
    spikeCount: 0,
    input: null,
    trace: new LazyTrace(n, tc),
    isInput: false,
    bind() {},
    step() {},
    resetState() {},
  };
}

describe('lazy traces', () => {
  it('equal the dense update x ← x·decay; x[s] ← 1, bit for bit', () => {
    const rng = new Rng(1);
    const n = 30;
    const tr = new LazyTrace(n, 17);
    const dense = new Float32Array(n);
    const spikes = new Int32Array(n);
    for (let t = 0; t < 400; t++) {
      if (t === 250) {
        tr.reset();
        dense.fill(0);
      }
      let c = 0;
      for (let j = 0; j < n; j++) if (rng.random() < 0.05) spikes[c++] = j;
      for (let j = 0; j < n; j++) dense[j] = f(dense[j] * tr.decay);
      for (let k = 0; k < c; k++) dense[spikes[k]] = 1;
      tr.record(t, spikes, c);
      assert.deepEqual(Array.from(tr.dense(t)), Array.from(dense), `step ${t}`);
      for (let k = 0; k < tr.activeCount; k++) assert.ok(dense[tr.active[k]] > 0);
      const inactive = Array.from(dense).filter((x, j) => x === 0 && tr.last[j] >= 0);
      assert.equal(inactive.length, 0);
    }
  });
});

/** BindsNET's dense update of one step, in float32, then clamp. */
function denseStep(kind: string, w: Float32Array, nPre: number, nPost: number, sPre: Uint8Array, xPre: Float32Array, sPost: Uint8Array, xPost: Float32Array, nu0: number, nu1: number, lo: number, hi: number): void {
  nu0 = f(nu0);
  nu1 = f(nu1);
  const cl = (x: number) => (x < lo ? lo : hi < x ? hi : x);
  if (kind === 'weight-dependent-post-pre') {
    for (let i = 0; i < nPre; i++) {
      for (let j = 0; j < nPost; j++) {
        const x = w[i * nPost + j];
        const dep = f(f(nu0 * f(sPre[i] * xPost[j])) * f(x - lo));
        const pot = f(f(nu1 * f(xPre[i] * sPost[j])) * f(hi - x));
        const upd = f(f(0 - dep) + pot);
        w[i * nPost + j] = cl(f(x + upd));
      }
    }
    return;
  }
  for (let i = 0; i < nPre; i++) {
    for (let j = 0; j < nPost; j++) {
      const k = i * nPost + j;
      if (kind === 'post-pre') w[k] = f(w[k] - f(sPre[i] * f(xPost[j] * nu0)));
      else w[k] = f(w[k] + f(nu0 * f(sPre[i] * xPost[j])));
    }
  }
  for (let i = 0; i < nPre; i++) {
    for (let j = 0; j < nPost; j++) {
      const k = i * nPost + j;
      w[k] = f(w[k] + f(xPre[i] * f(sPost[j] * nu1)));
    }
  }
  for (let k = 0; k < w.length; k++) w[k] = cl(w[k]);
}

const RULES: [string, (o: { nuPre: number; nuPost: number }) => LearningRule][] = [
  ['post-pre', postPre],
  ['hebbian', hebbian],
  ['weight-dependent-post-pre', weightDependentPostPre],
];

describe('learning rules, event-driven vs dense', () => {
  for (const [kind, make] of RULES) {
    it(`${kind}: same weights as the dense update at every step`, () => {
      const rng = new Rng(kind);
      const nPre = 25;
      const nPost = 7;
      const pre = stubLayer('pre', nPre, 20);
      const post = stubLayer('post', nPost, 15);
      const w = new Float32Array(nPre * nPost);
      for (let k = 0; k < w.length; k++) w[k] = rng.random();
      const dense = Float32Array.from(w);
      const syn: Synapses = { w, stride: nPost, source: pre, target: post, wmin: 0, wmax: 1 };
      const rule = make({ nuPre: 0.013, nuPost: 0.031 });
      const sPre = new Uint8Array(nPre);
      const sPost = new Uint8Array(nPost);
      let visitedSteps = 0;
      for (let t = 0; t < 200; t++) {
        sPre.fill(0);
        sPost.fill(0);
        pre.spikeCount = 0;
        post.spikeCount = 0;
        for (let i = 0; i < nPre; i++) if (rng.random() < 0.15) (sPre[i] = 1), (pre.spikes[pre.spikeCount++] = i);
        for (let j = 0; j < nPost; j++) if (rng.random() < 0.1) (sPost[j] = 1), (post.spikes[post.spikeCount++] = j);
        pre.trace!.record(t, pre.spikes, pre.spikeCount);
        post.trace!.record(t, post.spikes, post.spikeCount);
        if (rule.touches(syn, t)) visitedSteps++;
        rule.apply(syn, t, true);
        denseStep(kind, dense, nPre, nPost, sPre, pre.trace!.dense(t), sPost, post.trace!.dense(t), 0.013, 0.031, 0, 1);
        assert.deepEqual(Array.from(w), Array.from(dense), `step ${t}`);
      }
      assert.ok(visitedSteps > 100);
      // Weights moved and stayed within bounds.
      assert.ok(w.some((x) => x === 0 || x === 1) || kind === 'weight-dependent-post-pre');
    });
  }

  it('touches() is false when no spike meets a non-zero trace', () => {
    const pre = stubLayer('pre', 3, 20);
    const post = stubLayer('post', 2, 20);
    const syn: Synapses = { w: new Float32Array(6), stride: 2, source: pre, target: post, wmin: 0, wmax: 1 };
    const rule = postPre({ nuPre: 0.1, nuPost: 0.1 });
    pre.spikes[0] = 1;
    pre.spikeCount = 1;
    pre.trace!.record(0, pre.spikes, 1);
    assert.equal(rule.touches(syn, 0), false, 'pre spike, no post trace');
    post.spikes[0] = 0;
    post.spikeCount = 1;
    post.trace!.record(0, post.spikes, 1);
    assert.equal(rule.touches(syn, 0), true);
  });

  it('weight-dependent rule refuses infinite bounds', () => {
    const pre = stubLayer('pre', 2, 20);
    const post = stubLayer('post', 2, 20);
    pre.spikes[0] = 0;
    pre.spikeCount = 1;
    post.spikes[0] = 0;
    post.spikeCount = 1;
    pre.trace!.record(0, pre.spikes, 1);
    post.trace!.record(0, post.spikes, 1);
    const syn: Synapses = { w: new Float32Array(4), stride: 2, source: pre, target: post, wmin: -Infinity, wmax: 1 };
    assert.throws(() => weightDependentPostPre({ nuPre: 0.1, nuPost: 0.1 }).apply(syn, 0, true), /finite/);
  });
});
