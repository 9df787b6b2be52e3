/**
 * Baseline optimizers behind the same ask/tell interface as SCBO: random search (each parameter's own sampler)
 * and Sobol search (a scrambled Sobol sequence over the unit cube). Both ignore results and never repeat a
 * running configuration.
 */
import { Rng } from '../util/rng.js';
import type { SearchSpace } from '../space/space.js';
import { SobolEngine } from './sobol.js';
import type { Observation, Optimizer, PendingPoint, Proposal, ProposalPhase } from './types.js';

abstract class NonAdaptiveSearch implements Optimizer {
  abstract readonly name: string;
  protected readonly rng: Rng;
  private nextId = 0;
  private batchId = 0;

  constructor(
    readonly space: SearchSpace,
    seed: number,
    private readonly phase: ProposalPhase,
  ) {
    this.rng = new Rng(`${phase}:${seed}`);
  }

  /** The next unit-cube point of the sequence. */
  protected abstract nextPoint(): Float64Array;

  tell(results: Observation[]): void {
    for (const r of results) if (r.id >= this.nextId) this.nextId = r.id + 1;
  }

  ask(count: number, pending: PendingPoint[] = []): Proposal[] {
    const batchId = ++this.batchId;
    const taken = new Set(pending.map((p) => this.space.key(this.space.decode(p.u))));
    const out: Proposal[] = [];
    for (let tries = 0; out.length < count; tries++) {
      const u = this.nextPoint();
      const params = this.space.decode(u);
      const key = this.space.key(params);
      // A small discrete space can run out of fresh configurations: accept repeats after many tries.
      if (taken.has(key) && tries < 100 * count) continue;
      taken.add(key);
      out.push({ id: this.nextId++, u, params, info: { phase: this.phase, batchId } });
    }
    return out;
  }
}

/** Random search: i.i.d. points from each parameter's sampler. */
export class RandomSearch extends NonAdaptiveSearch {
  readonly name = 'random';
  constructor(space: SearchSpace, seed: number) {
    super(space, seed, 'random');
  }
  protected nextPoint(): Float64Array {
    return this.space.sampleUnit(this.rng);
  }
}

/** Sobol search: successive points of one scrambled Sobol sequence, drawn in blocks. */
export class SobolSearch extends NonAdaptiveSearch {
  readonly name = 'sobol';
  private readonly engine: SobolEngine;
  private block = new Float64Array(0);
  private cursor = 0;
  constructor(space: SearchSpace, seed: number) {
    super(space, seed, 'sobol');
    this.engine = new SobolEngine(space.dimension, { scramble: true, rng: this.rng });
  }
  protected nextPoint(): Float64Array {
    const d = this.space.dimension;
    if (this.cursor >= this.block.length) {
      this.block = this.engine.draw(256);
      this.cursor = 0;
    }
    const u = this.block.slice(this.cursor, this.cursor + d);
    this.cursor += d;
    return u;
  }
}
