/**
 * Static connections whose weight matrices have a structure the paper's networks use, computed in O(spikes) or
 * O(n) per step instead of as dense rows:
 * - {@link OneToOneConnection}: W = diag(d) (excitatory → inhibitory, d = strength_exc);
 * - {@link AllButSelfConnection}: W = w·(1 − I) (inhibitory → excitatory, w = −strength_inh).
 * Both produce exactly the float32 values of BindsNET's s·W followed by one addition to the target input: a
 * column of W with m non-zero entries equal to w sums to w + w + … (m terms, in order), taken from a table.
 * Like BindsNET connections without a learning rule, they are never clamped.
 */
import type { KernelContext } from '../../kernels/snn-kernels.js';
import type { Layer } from '../layers/layer.js';
import { connectionName, type Connection } from './connection.js';

/** W = diag(weights) between two layers of the same size. */
export class OneToOneConnection implements Connection {
  readonly name: string;
  readonly learns = false;
  readonly parameterCount: number;
  readonly weights: Float32Array;

  /** @param weight one value for every pair, or one per neuron. */
  constructor(
    readonly source: Layer,
    readonly target: Layer,
    weight: number | ArrayLike<number>,
    name?: string,
  ) {
    if (source.n !== target.n) throw new RangeError(`one-to-one connection needs equal sizes, got ${source.n} and ${target.n}`);
    this.name = name ?? connectionName(source, target);
    // Counted as the dense matrix it stands for, like the reference's c.w.numel().
    this.parameterCount = source.n * source.n;
    this.weights = typeof weight === 'number' ? new Float32Array(source.n).fill(weight) : Float32Array.from(weight);
    if (this.weights.length !== source.n) throw new RangeError(`one-to-one connection: ${this.weights.length} weights for ${source.n} neurons`);
  }

  bind(_ctx: KernelContext): void {}

  propagate(out: Float32Array): void {
    const s = this.source.spikes;
    for (let k = 0; k < this.source.spikeCount; k++) out[s[k]] += this.weights[s[k]];
  }

  learn(): void {}
  beginSample(): void {}
  endSample(): void {}
}

/** W[i][j] = weight for i ≠ j, 0 on the diagonal, between two layers of the same size. */
export class AllButSelfConnection implements Connection {
  readonly name: string;
  readonly learns = false;
  readonly parameterCount: number;
  readonly weight: number;
  /** multiples[m] = weight + weight + … (m float32 additions from 0). */
  private readonly multiples: Float32Array;
  private saved = new Float32Array(0);

  constructor(
    readonly source: Layer,
    readonly target: Layer,
    weight: number,
    name?: string,
  ) {
    if (source.n !== target.n) throw new RangeError(`all-but-self connection needs equal sizes, got ${source.n} and ${target.n}`);
    this.name = name ?? connectionName(source, target);
    this.parameterCount = source.n * source.n;
    this.weight = Math.fround(weight);
    this.multiples = new Float32Array(source.n + 1);
    for (let m = 1; m <= source.n; m++) this.multiples[m] = this.multiples[m - 1] + this.weight;
    this.saved = new Float32Array(source.n);
  }

  bind(_ctx: KernelContext): void {}

  propagate(out: Float32Array): void {
    const m = this.source.spikeCount;
    if (m === 0) return;
    const s = this.source.spikes;
    const all = this.multiples[m];
    const self = this.multiples[m - 1];
    // Every neuron receives m weights except those that spiked (m − 1: no self-connection).
    for (let k = 0; k < m; k++) this.saved[k] = out[s[k]];
    const n = this.target.n;
    for (let j = 0; j < n; j++) out[j] += all;
    for (let k = 0; k < m; k++) out[s[k]] = this.saved[k] + self;
  }

  learn(): void {}
  beginSample(): void {}
  endSample(): void {}
}
