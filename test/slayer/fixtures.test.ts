/**
 * The engine against the PyTorch reference (bench/surrogate/reference.py, autograd with the same surrogate, float64;
 * fixtures written by bench/surrogate/make_fixtures.py): single-neuron traces and their gradients, and small
 * convolutional networks — every block's spikes, output rates, losses, and the gradients of weights, delays and
 * decays to 1e-5 relative error — plus Adam steps. The same networks run in float32 on the wasm kernels must agree
 * with float64 to float32 precision.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlayerNetwork, type ReplicaOptions, type SlayerNetworkConfig } from '../../src/slayer/network.js';
import type { BlockSpec } from '../../src/slayer/architecture.js';
import type { NeuronParams } from '../../src/slayer/neuron.js';
import { alifConstants, cubaConstants, surrogateConstants } from '../../src/slayer/neuron.js';
import { Adam } from '../../src/slayer/adam.js';
import { JS_SLAYER_KERNELS } from '../../src/kernels/slayer-kernels.js';
import type { SpikeTrains } from '../../src/data/spikes.js';
import type { LossName } from '../../src/slayer/loss.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'surrogate');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const load = (f: string): Json => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

function neuronOf(n: Json): NeuronParams {
  return {
    kind: n.kind, threshold: n.threshold, thresholdStep: n.threshold_step ?? 0, currentDecay: n.current_decay, voltageDecay: n.voltage_decay,
    thresholdDecay: n.threshold_decay ?? 0, refractoryDecay: n.refractory_decay ?? 0, tauGrad: n.tau_grad, scaleGrad: n.scale_grad,
  };
}

function configOf(fx: Json): SlayerNetworkConfig {
  const [, C, H, W] = fx.input.shape;
  const blocks: BlockSpec[] = fx.blocks.map((b: Json): BlockSpec => {
    if (b.kind === 'conv') return { kind: 'conv', name: b.name, out: b.cout, kernel: b.k, stride: b.stride, pad: b.pad, delay: b.delay, dropout: b.dropout };
    if (b.kind === 'pool') return { kind: 'pool', name: b.name, kernel: b.k, stride: b.stride };
    return { kind: 'dense', name: b.name, out: b.out, delay: b.delay, dropout: b.dropout };
  });
  return { input: { channels: C, height: H, width: W, T: fx.T }, blocks, neuron: neuronOf(fx.neuron), decayGradient: fx.decayGradient };
}

/** Sample n's spikes as trains (input index (c·H + y)·W + x). */
function trainsOf(input: Json, n: number, T: number): SpikeTrains {
  const [, C, H, W] = input.shape;
  const perStep: number[][] = Array.from({ length: T }, () => []);
  for (const [s, c, y, x, t] of input.spikes) if (s === n) perStep[t].push((c * H + y) * W + x);
  const offsets = new Uint32Array(T + 1);
  const flat: number[] = [];
  perStep.forEach((a, t) => {
    a.sort((p, q) => p - q);
    flat.push(...a);
    offsets[t + 1] = flat.length;
  });
  return { T, nInputs: C * H * W, offsets, indices: Uint16Array.from(flat) };
}

/** Flat parameter vector from the fixture's PyTorch-layout parameters. */
function paramsOf(net: SlayerNetwork, params: Json): Float64Array {
  const x = new Float64Array(net.layout.length);
  net.plans.forEach((b, i) => {
    const p = params[b.name];
    const s = net.layout.blocks[i];
    if (b.conv) {
      const g = b.conv;
      const data: number[] = p.weight.data;
      for (let co = 0; co < g.cout; co++) {
        for (let ci = 0; ci < g.cin; ci++) {
          for (let ky = 0; ky < g.kh; ky++) {
            for (let kx = 0; kx < g.kw; kx++) x[net.layout.weightIndex(i, co, ci, ky, kx)] = data[((co * g.cin + ci) * g.kh + ky) * g.kw + kx];
          }
        }
      }
    }
    for (let c = 0; c < s.delayLength; c++) x[s.delay + c] = p.delay[c];
    x[s.Du] = p.Du;
    x[s.Dv] = p.Dv;
  });
  return x;
}

function keepOf(fx: Json, dropoutKeep: Json, n: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, masks] of Object.entries(dropoutKeep ?? {})) out[name] = (masks as number[][])[n];
  return out;
}

/** Runs a batch (training), returns loss, rates, spikes and the summed gradient. */
function runBatch(net: SlayerNetwork, fx: Json, x: Float64Array, input: Json, labels: number[], dropoutKeep: Json) {
  net.setParameters(x);
  net.zeroGradients();
  let loss = 0;
  const rates: number[][] = [];
  const spikes: string[][] = net.plans.map(() => []);
  for (let n = 0; n < labels.length; n++) {
    const r = net.trainSample(trainsOf(input, n, fx.T), labels[n], fx.loss as LossName, null, keepOf(fx, dropoutKeep, n));
    loss += r.loss;
    rates.push(Array.from(net.outputRates()));
  }
  const grad = new Float64Array(x.length);
  net.addGradients(grad);
  return { loss, rates, spikes, grad };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}

/** The fixture's expected gradient in the flat layout (padding lanes 0). */
function expectedGrad(net: SlayerNetwork, grads: Json): Float64Array {
  const full: Json = {};
  for (const b of net.plans) full[b.name] = grads[b.name] ?? { Du: 0, Dv: 0 };
  return paramsOf(net, full);
}

function checkGradients(net: SlayerNetwork, got: Float64Array, want: Float64Array, tol: number, label: string): void {
  net.plans.forEach((b, i) => {
    const s = net.layout.blocks[i];
    const parts: [string, number, number][] = [['weight', s.weight, s.weight + s.weightLength], ['delay', s.delay, s.delay + s.delayLength]];
    for (const [what, a, z] of parts) {
      if (z === a) continue;
      const e = relErr(got.subarray(a, z), want.subarray(a, z));
      assert.ok(e < tol, `${label}: ${b.name}.${what} gradient relative error ${e}`);
    }
    if (b.learnsDecays) {
      for (const k of ['Du', 'Dv'] as const) {
        const e = Math.abs(got[s[k]] - want[s[k]]) / Math.max(Math.abs(want[s[k]]), 1e-30);
        assert.ok(e < tol, `${label}: ${b.name}.${k} gradient ${got[s[k]]} vs ${want[s[k]]}`);
      }
    }
  });
}

/** Spikes of every block after a forward pass of sample n, as sorted "c,y,x,t" keys. */
function blockSpikeKeys(net: SlayerNetwork, fx: Json, n: number, x: Float64Array, options: ReplicaOptions): Record<string, string[]> {
  void options;
  net.setParameters(x);
  const out: Record<string, string[]> = {};
  net.forward(trainsOf(fx.input, n, fx.T), null, keepOf(fx, fx.dropoutKeep, n));
  const rows = net.blockOutputs();
  net.plans.forEach((b, i) => {
    const { rowPtr, chan } = rows[i];
    const keys: string[] = [];
    for (let p = 0; p < b.P; p++) {
      for (let t = 0; t < fx.T; t++) {
        for (let k = rowPtr[p * fx.T + t]; k < rowPtr[p * fx.T + t + 1]; k++) keys.push(`${chan[k]},${Math.floor(p / b.W)},${p % b.W},${t}`);
      }
    }
    out[b.name] = keys.sort();
  });
  return out;
}

describe('surrogate-gradient engine vs the PyTorch reference (float64)', () => {
  for (const f of files.filter((f) => load(f).expected?.grads)) {
    it(`${f}: spikes of every block, rates, loss and gradients`, () => {
      const fx = load(f);
      const net = new SlayerNetwork(configOf(fx), { dtype: 'float64', backend: 'js' });
      const x = paramsOf(net, fx.params);
      for (let n = 0; n < fx.batch; n++) {
        const got = blockSpikeKeys(net, fx, n, x, {});
        for (const b of net.plans) {
          const want = (fx.expected.blockSpikes[b.name] as number[][]).filter((e) => e[0] === n).map(([, c, y, xx, t]) => `${c},${y},${xx},${t}`).sort();
          assert.deepEqual(got[b.name], want, `${f}: spikes of ${b.name}, sample ${n}`);
        }
      }
      const r = runBatch(net, fx, x, fx.input, fx.labels, fx.dropoutKeep);
      assert.ok(Math.abs(r.loss - fx.expected.loss) <= 1e-12 * Math.max(1, Math.abs(fx.expected.loss)), `loss ${r.loss} vs ${fx.expected.loss}`);
      r.rates.forEach((row, n) => row.forEach((v, i) => assert.ok(Math.abs(v - fx.expected.outputRates[n][i]) < 1e-12)));
      checkGradients(net, r.grad, expectedGrad(net, fx.expected.grads), 1e-5, f);
    });
  }

  for (const f of files.filter((f) => load(f).adam)) {
    it(`${f}: Adam steps give the reference's parameters`, () => {
      const fx = load(f);
      const net = new SlayerNetwork(configOf(fx), { dtype: 'float64', backend: 'js' });
      const x = paramsOf(net, fx.params);
      const adam = new Adam(net.layout.learnable, fx.adam.lr);
      for (const step of fx.adam.steps) {
        const r = runBatch(net, fx, x, step.input, step.labels, step.dropoutKeep);
        assert.ok(Math.abs(r.loss - step.loss) < 1e-9, `loss ${r.loss} vs ${step.loss}`);
        adam.step(x, r.grad);
        net.layout.clamp(x);
        const want = paramsOf(net, step.paramsAfter);
        assert.ok(relErr(x, want) < 1e-9, `${f}: parameters after a step, relative error ${relErr(x, want)}`);
      }
    });
  }

  for (const f of files.filter((f) => load(f).probe)) {
    it(`${f}: single-neuron trace and its gradients`, () => {
      const fx = load(f);
      const T = fx.T;
      const neuron = neuronOf(fx.neuron);
      const z = new Float64Array(T * 4);
      fx.z.forEach((v: number, t: number) => (z[t * 4] = v));
      const [u, v, d, s, gz] = Array.from({ length: 5 }, () => new Float64Array(T * 4));
      if (neuron.kind === 'alif') JS_SLAYER_KERNELS.alifForward(1, T, 4, z, alifConstants(neuron, fx.Du, fx.Dv, 'float'), u, v, d, s);
      else JS_SLAYER_KERNELS.cubaForward(1, T, 4, z, cubaConstants(neuron, fx.Du, fx.Dv, 'float'), u, v, d, s);
      const col = (a: Float64Array) => Array.from({ length: T }, (_, t) => a[t * 4]);
      assert.deepEqual(col(s), fx.expected.s);
      assert.ok(relErr(col(u), fx.expected.u) < 1e-12, 'u');
      // delta = v − θ_eff with v before any reset; the v array holds the state carried on (after CUBA's reset).
      assert.ok(relErr(col(d).map((dd, t) => dd + fx.expected.thetaEff[t]), fx.expected.v) < 1e-12, 'v − θ_eff');
      const carried = fx.expected.v.map((vv: number, t: number) => (neuron.kind === 'cuba' && fx.expected.s[t] ? 0 : vv));
      assert.ok(relErr(col(v), carried) < 1e-12, 'v');
      const gs = new Float64Array(T * 4);
      fx.probe.weights.forEach((w: number, t: number) => (gs[t * 4] = w));
      const sur = surrogateConstants(neuron, 'float');
      const acc = new Float64Array(2);
      const c = neuron.kind === 'alif' ? alifConstants(neuron, fx.Du, fx.Dv, 'float') : cubaConstants(neuron, fx.Du, fx.Dv, 'float');
      JS_SLAYER_KERNELS.neuronBackward(1, T, 4, gs, d, u, v, c.ku, c.kv, sur.a, sur.tau, gz, acc);
      assert.ok(relErr(col(gz), fx.probe.gradZ) < 1e-12, 'gradient w.r.t. z');
      assert.ok(Math.abs(-acc[0] / 4096 - fx.probe.gradDu) < 1e-12 * Math.abs(fx.probe.gradDu) + 1e-20, 'gradient w.r.t. D_u');
      assert.ok(Math.abs(-acc[1] / 4096 - fx.probe.gradDv) < 1e-12 * Math.abs(fx.probe.gradDv) + 1e-20, 'gradient w.r.t. D_v');
    });
  }
});

describe('float32 (wasm when available) vs float64 on the reference networks', () => {
  for (const f of files.filter((f) => load(f).expected?.grads && !load(f).adam)) {
    it(`${f}: same spikes, gradients within float32 precision`, () => {
      const fx = load(f);
      const n64 = new SlayerNetwork(configOf(fx), { dtype: 'float64', backend: 'js' });
      const n32 = new SlayerNetwork(configOf(fx), { dtype: 'float32', backend: 'auto' });
      const x = paramsOf(n64, fx.params);
      const a = runBatch(n64, fx, x, fx.input, fx.labels, fx.dropoutKeep);
      const b = runBatch(n32, fx, x, fx.input, fx.labels, fx.dropoutKeep);
      assert.deepEqual(b.rates, a.rates);
      checkGradients(n32, b.grad, a.grad, 1e-4, `${f} float32 (${n32.kernels.backend})`);
    });
  }
});
