/**
 * Small builders for engine tests: hand-made spike trains and tiny networks.
 */
import type { SpikeTrains } from '../../src/data/spikes.js';
import type { KernelBackend } from '../../src/kernels/snn-kernels.js';
import { Network } from '../../src/snn/network.js';
import { InputLayer } from '../../src/snn/layers/input.js';
import { LifLayer, type LifParams } from '../../src/snn/layers/lif.js';
import { DenseConnection, type DenseOptions } from '../../src/snn/connections/dense.js';
import { Rng } from '../../src/util/rng.js';

/** Trains from a list of (step, input) pairs. */
export function trainsFrom(T: number, nInputs: number, spikes: [number, number][]): SpikeTrains {
  const perStep: number[][] = Array.from({ length: T }, () => []);
  for (const [t, i] of spikes) perStep[t].push(i);
  const offsets = new Uint32Array(T + 1);
  const indices: number[] = [];
  for (let t = 0; t < T; t++) {
    perStep[t].sort((a, b) => a - b);
    indices.push(...perStep[t]);
    offsets[t + 1] = indices.length;
  }
  return { T, nInputs, offsets, indices: Uint16Array.from(indices) };
}

/** Trains with no spikes. */
export function silentTrains(T: number, nInputs: number): SpikeTrains {
  return trainsFrom(T, nInputs, []);
}

/** Random Bernoulli trains. */
export function randomTrains(T: number, nInputs: number, p: number, rng: Rng): SpikeTrains {
  const s: [number, number][] = [];
  for (let t = 0; t < T; t++) for (let i = 0; i < nInputs; i++) if (rng.random() < p) s.push([t, i]);
  return trainsFrom(T, nInputs, s);
}

/** input(nIn) → one LIF-type layer, with a dense connection. */
export function oneLayerNet(
  nIn: number,
  n: number,
  params: LifParams,
  conn: Omit<DenseOptions, 'init'> & { init?: DenseOptions['init'] },
  options: { backend?: KernelBackend; resetInterval?: number | null; inputTraceTc?: number; seed?: string } = {},
) {
  const net = new Network({ backend: options.backend ?? 'wasm', resetInterval: options.resetInterval ?? null });
  const input = net.addLayer(new InputLayer(nIn, net.ctx, { traceTc: options.inputTraceTc }));
  const layer = net.addLayer(new LifLayer('out', n, params, net.ctx, params.model === 'diehl-cook' ? new Rng(options.seed ?? 'x') : null));
  const c = net.addConnection(new DenseConnection(input, layer, net.ctx, { init: { kind: 'function', fn: () => 1 }, ...conn }));
  net.build();
  return { net, input, layer, conn: c };
}

/** A LIF parameter set (BindsNET LIFNodes-like). */
export function lif(over: Partial<LifParams> = {}): LifParams {
  return { model: 'lif', rest: -65, reset: -65, thresh: -52, refrac: 5, tcDecay: 100, ...over };
}
