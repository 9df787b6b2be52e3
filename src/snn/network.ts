/**
 * A network of layers and connections simulated with BindsNET's synchronous update order (spec snn-models.md
 * A3), one sample at a time:
 *
 *   for t in 0..T−1:
 *     if resetInterval and t mod resetInterval = 0: reset v, refractory counters, spikes, traces (θ kept)
 *     input of every layer ← Σ over connections (insertion order) of s_source(t−1)·W      (one-step delay)
 *     update layers in insertion order (input layers take frame t)
 *     if learning: every connection applies its rule, then clamps
 *     monitors record the spikes of step t
 *   normalise connections that have a norm
 *
 * Spikes are index lists, so each step costs O(active rows + neurons). Usage: construct, add layers and
 * connections (created with `network.ctx`), {@link Network.build}, then {@link Network.runSample} and
 * {@link Network.resetState} per sample.
 */
import type { SpikeTrains } from '../data/spikes.js';
import { KernelContext, type KernelBackend } from '../kernels/snn-kernels.js';
import type { Connection } from './connections/connection.js';
import type { Layer } from './layers/layer.js';
import { InputLayer } from './layers/input.js';
import { SpikeMonitor, type MonitorOptions } from './monitor.js';

/** Options of a {@link Network}. */
export interface NetworkOptions {
  /** Kernel implementation (default 'auto': wasm SIMD when available). */
  backend?: KernelBackend | 'auto';
  /** Reset layer state every that many steps within a sample (paper's Exp 2 variant); null: never. */
  resetInterval?: number | null;
}

/** Spike totals of one sample, per layer, in insertion order. */
export interface SampleActivity {
  /** Steps simulated. */
  readonly T: number;
  /** Layer names, insertion order. */
  readonly layers: readonly string[];
  /** Spike totals, parallel to `layers` (input layers included). */
  readonly totals: Int32Array;
}

/** A spiking network simulated event by event. */
export class Network {
  /** Memory and kernels of this network; create layers and connections with it. */
  readonly ctx: KernelContext;
  readonly layers: Layer[] = [];
  readonly connections: Connection[] = [];
  /** Default learning flag of {@link runSample}. */
  learning = true;
  readonly resetInterval: number | null;
  private readonly monitors = new Map<string, SpikeMonitor>();
  private built = false;
  private fresh: boolean[] = [];
  private targetIndex: number[] = [];
  private totals = new Int32Array(0);

  constructor(options: NetworkOptions = {}) {
    this.ctx = new KernelContext(options.backend ?? 'auto');
    const ri = options.resetInterval ?? null;
    if (ri !== null && !(Number.isInteger(ri) && ri >= 1)) throw new RangeError(`resetInterval must be an integer ≥ 1, got ${ri}`);
    this.resetInterval = ri;
  }

  /** Adds a layer (insertion order is update order). */
  addLayer<L extends Layer>(layer: L): L {
    this.assertNotBuilt();
    if (this.layers.some((l) => l.name === layer.name)) throw new Error(`duplicate layer name ${layer.name}`);
    this.layers.push(layer);
    return layer;
  }

  /** Adds a connection between two layers of this network. */
  addConnection<C extends Connection>(connection: C): C {
    this.assertNotBuilt();
    if (!this.layers.includes(connection.source) || !this.layers.includes(connection.target)) {
      throw new Error(`connection ${connection.name}: add both layers first`);
    }
    if (connection.target.isInput) throw new Error(`connection ${connection.name}: input layers take no synaptic input`);
    this.connections.push(connection);
    return connection;
  }

  /** Keeps per-neuron counts and/or events for a layer (returns the monitor; totals are always kept). */
  monitor(layerName: string, options: MonitorOptions): SpikeMonitor {
    const layer = this.layer(layerName);
    const m = new SpikeMonitor(layerName, layer.n, options);
    this.monitors.set(layerName, m);
    return m;
  }

  /** The monitor of a layer, if one was requested. */
  getMonitor(layerName: string): SpikeMonitor | undefined {
    return this.monitors.get(layerName);
  }

  /** A layer by name. */
  layer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new Error(`no layer named ${name}`);
    return l;
  }

  /** A connection by name ("source->target"). */
  connection(name: string): Connection {
    const c = this.connections.find((x) => x.name === name);
    if (!c) throw new Error(`no connection named ${name}`);
    return c;
  }

  /** Allocates memory and initialises state and weights (in insertion order: layers, then connections). */
  build(): this {
    this.assertNotBuilt();
    if (!this.layers.some((l) => l.isInput)) throw new Error('a network needs an input layer');
    this.ctx.commit();
    for (const l of this.layers) l.bind(this.ctx);
    for (const c of this.connections) c.bind(this.ctx);
    this.targetIndex = this.connections.map((c) => this.layers.indexOf(c.target));
    this.fresh = this.layers.map(() => true);
    this.totals = new Int32Array(this.layers.length);
    this.built = true;
    return this;
  }

  /** Bytes of typed-array state (weights, potentials, …) held in the kernel memory. */
  get stateBytes(): number {
    return this.ctx.reservedBytes;
  }

  /** Total weights over all connections. */
  get parameterCount(): number {
    return this.connections.reduce((s, c) => s + c.parameterCount, 0);
  }

  /**
   * Simulates one sample. `inputs` are the spike trains of the (single) input layer, or a map from input-layer
   * name to trains. Does not reset the state afterwards: call {@link resetState} between samples.
   */
  runSample(inputs: SpikeTrains | Record<string, SpikeTrains>, learning: boolean = this.learning): SampleActivity {
    if (!this.built) throw new Error('call build() before runSample()');
    const feeds = this.resolveInputs(inputs);
    const T = feeds[0].trains.T;
    for (const f of feeds) if (f.trains.T !== T) throw new RangeError('all input trains must have the same T');
    const layers = this.layers;
    const conns = this.connections;
    const totals = this.totals;
    totals.fill(0);
    for (const m of this.monitors.values()) m.begin();
    const monitorOf = layers.map((l) => this.monitors.get(l.name) ?? null);
    const feedOf = layers.map((l) => feeds.find((f) => f.layer === l) ?? null);
    for (const c of conns) c.beginSample(learning);
    const ri = this.resetInterval;

    for (let t = 0; t < T; t++) {
      if (ri !== null && t % ri === 0) for (const l of layers) l.resetState();
      for (let li = 0; li < layers.length; li++) {
        const inp = layers[li].input;
        if (inp) inp.fill(0);
        this.fresh[li] = true;
      }
      for (let ci = 0; ci < conns.length; ci++) {
        const c = conns[ci];
        if (c.source.spikeCount === 0) continue;
        const ti = this.targetIndex[ci];
        c.propagate(c.target.input!, this.fresh[ti]);
        this.fresh[ti] = false;
      }
      for (let li = 0; li < layers.length; li++) {
        const l = layers[li];
        const feed = feedOf[li];
        if (feed) {
          const tr = feed.trains;
          feed.layer.setFrame(tr.indices, tr.offsets[t], tr.offsets[t + 1]);
        } else if (l instanceof InputLayer) {
          l.setFrame(NO_SPIKES, 0, 0);
        }
        l.step(t, learning);
        totals[li] += l.spikeCount;
        const m = monitorOf[li];
        if (m) m.record(t, l.spikes, l.spikeCount);
      }
      if (learning) for (let ci = 0; ci < conns.length; ci++) conns[ci].learn(t);
    }
    for (const c of conns) c.endSample();
    return { T, layers: layers.map((l) => l.name), totals: totals.slice() };
  }

  /** Resets every layer's state (v, refractory counters, spikes, traces; adaptive thresholds persist). */
  resetState(): void {
    for (const l of this.layers) l.resetState();
  }

  private resolveInputs(inputs: SpikeTrains | Record<string, SpikeTrains>): { layer: InputLayer; trains: SpikeTrains }[] {
    const inputLayers = this.layers.filter((l): l is InputLayer => l instanceof InputLayer);
    let feeds: { layer: InputLayer; trains: SpikeTrains }[];
    if (isTrains(inputs)) {
      if (inputLayers.length !== 1) throw new Error('network has several input layers: pass a map of trains');
      feeds = [{ layer: inputLayers[0], trains: inputs }];
    } else {
      feeds = Object.entries(inputs).map(([name, trains]) => {
        const layer = inputLayers.find((l) => l.name === name);
        if (!layer) throw new Error(`no input layer named ${name}`);
        return { layer, trains };
      });
    }
    for (const f of feeds) {
      if (f.trains.nInputs !== f.layer.n) {
        throw new RangeError(`input layer ${f.layer.name} has ${f.layer.n} neurons, trains have ${f.trains.nInputs} inputs`);
      }
    }
    return feeds;
  }

  private assertNotBuilt(): void {
    if (this.built) throw new Error('network already built');
  }
}

const NO_SPIKES = new Int32Array(0);

function isTrains(x: SpikeTrains | Record<string, SpikeTrains>): x is SpikeTrains {
  return (x as SpikeTrains).offsets instanceof Uint32Array;
}
