/**
 * All learnable values of a network in one flat float64 vector (what Adam updates and what threads exchange):
 * per block its weights (engine layout, padded lanes included and always 0), its axonal delays, and its two
 * decays D_u, D_v (decay·4096). Pool blocks' decays are in the vector but not learnt.
 */
import type { BlockPlan } from './architecture.js';
import type { NeuronParams } from './neuron.js';
import { S_SCALE } from './neuron.js';
import type { Rng } from '../util/rng.js';

/** Where each block's values sit in the flat vector. */
export interface BlockSlots {
  weight: number;
  weightLength: number;
  delay: number;
  delayLength: number;
  Du: number;
  Dv: number;
}

export class ParameterLayout {
  readonly blocks: BlockSlots[];
  readonly length: number;
  /** 1 where Adam may change a value, 0 elsewhere (padding lanes, pool decays, frozen decays). */
  readonly learnable: Uint8Array;

  constructor(readonly plans: readonly BlockPlan[], learnDecays: boolean) {
    let n = 0;
    this.blocks = plans.map((b) => {
      const s: BlockSlots = { weight: n, weightLength: b.weightLength, delay: 0, delayLength: 0, Du: 0, Dv: 0 };
      n += b.weightLength;
      s.delay = n;
      s.delayLength = b.delay ? b.C : 0;
      n += s.delayLength;
      s.Du = n++;
      s.Dv = n++;
      return s;
    });
    this.length = n;
    this.learnable = new Uint8Array(n);
    plans.forEach((b, i) => {
      const s = this.blocks[i];
      if (b.conv) {
        const { kh, kw, cin, cout, coutp } = b.conv;
        for (let r = 0; r < kh * kw * cin; r++) this.learnable.fill(1, s.weight + r * coutp, s.weight + r * coutp + cout);
      }
      this.learnable.fill(1, s.delay, s.delay + s.delayLength);
      if (learnDecays && b.learnsDecays) {
        this.learnable[s.Du] = 1;
        this.learnable[s.Dv] = 1;
      }
    });
  }

  /**
   * Initial values: weights U(±1/√fan_in) (PyTorch's Conv3d/Linear default), delays U(0, 1), decays from the
   * neuron parameters. Weights are drawn in PyTorch's order [cout][cin][kh][kw] so that a given seed means
   * the same network whatever the engine layout.
   */
  initialize(neuron: NeuronParams, rng: Rng): Float64Array {
    const x = new Float64Array(this.length);
    this.plans.forEach((b, i) => {
      const s = this.blocks[i];
      if (b.conv) {
        const { kh, kw, cin, cout, coutp } = b.conv;
        const bound = 1 / Math.sqrt(cin * kh * kw);
        for (let co = 0; co < cout; co++) {
          for (let ci = 0; ci < cin; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) x[s.weight + ((ky * kw + kx) * cin + ci) * coutp + co] = rng.uniform(-bound, bound);
            }
          }
        }
      }
      for (let c = 0; c < s.delayLength; c++) x[s.delay + c] = rng.random();
      x[s.Du] = S_SCALE * neuron.currentDecay;
      x[s.Dv] = S_SCALE * neuron.voltageDecay;
    });
    return x;
  }

  /** Keeps values in their domains after an update: D_u, D_v ∈ [0, 4096], delays ∈ [0, 62]. */
  clamp(x: Float64Array): void {
    for (const s of this.blocks) {
      for (let c = 0; c < s.delayLength; c++) x[s.delay + c] = Math.min(62, Math.max(0, x[s.delay + c]));
      x[s.Du] = Math.min(S_SCALE, Math.max(0, x[s.Du]));
      x[s.Dv] = Math.min(S_SCALE, Math.max(0, x[s.Dv]));
    }
  }

  /** Index of weight (co, ci, ky, kx) of block b in the flat vector (PyTorch's indexing; dense: ky, kx = y, x). */
  weightIndex(b: number, co: number, ci: number, ky: number, kx: number): number {
    const g = this.plans[b].conv!;
    return this.blocks[b].weight + ((ky * g.kw + kx) * g.cin + ci) * g.coutp + co;
  }
}
