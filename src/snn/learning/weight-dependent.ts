/**
 * BindsNET `WeightDependentPostPre`: soft bounds,
 *   ΔW = −nu_pre·(s_pre ⊗ x_post)·(W − wmin) + nu_post·(x_pre ⊗ s_post)·(wmax − W),
 * both terms computed from the weights before the step and summed before being added (so an entry hit by both
 * gets one rounding of the sum, as BindsNET's `update` tensor does). Needs finite bounds.
 */
import { clampVisited, pairTouches, requireTraces, type LearningRule, type RuleOptions, type Synapses } from './rule.js';

const f = Math.fround;

class WeightDependentPostPre implements LearningRule {
  readonly kind = 'weight-dependent-post-pre' as const;
  readonly nuPre: number;
  readonly nuPost: number;
  private preFlag = new Uint8Array(0);
  private dep = new Float32Array(0);
  private postFlag = new Uint8Array(0);

  constructor(options: RuleOptions) {
    this.nuPre = f(options.nuPre);
    this.nuPost = f(options.nuPost);
  }

  touches(syn: Synapses, _t: number): boolean {
    return pairTouches(syn, this.nuPre, this.nuPost);
  }

  apply(syn: Synapses, t: number, clampTouched: boolean): void {
    requireTraces(syn, this.kind);
    const { w, stride, source: pre, target: post, wmin, wmax } = syn;
    if (!Number.isFinite(wmin) || !Number.isFinite(wmax)) {
      throw new Error(`${this.kind} on ${pre.name}->${post.name} needs finite wmin and wmax`);
    }
    const preTrace = pre.trace!;
    const postTrace = post.trace!;
    const nu0 = this.nuPre;
    const nu1 = this.nuPost;
    if (this.preFlag.length < pre.n) this.preFlag = new Uint8Array(pre.n);
    if (this.postFlag.length < post.n) this.postFlag = new Uint8Array(post.n);
    const preFlag = this.preFlag;
    const postFlag = this.postFlag;
    const doDep = nu0 !== 0 && pre.spikeCount > 0 && postTrace.activeCount > 0;
    const doPot = nu1 !== 0 && post.spikeCount > 0 && preTrace.activeCount > 0;
    if (!doDep && !doPot) return;
    if (doDep) for (let s = 0; s < pre.spikeCount; s++) preFlag[pre.spikes[s]] = 1;
    if (doPot) for (let s = 0; s < post.spikeCount; s++) postFlag[post.spikes[s]] = 1;

    // Columns of post spikes: potentiation, plus depression where the row's pre neuron also spiked.
    if (doPot) {
      const rows = preTrace.active;
      const m = preTrace.activeCount;
      const ns = post.spikeCount;
      if (this.dep.length < ns) this.dep = new Float32Array(post.n);
      const dep = this.dep;
      for (let s = 0; s < ns; s++) dep[s] = doDep ? f(nu0 * postTrace.value(post.spikes[s], t)) : 0;
      for (let k = 0; k < m; k++) {
        const i = rows[k];
        const base = i * stride;
        const pi = f(nu1 * preTrace.value(i, t));
        const both = preFlag[i] === 1;
        for (let s = 0; s < ns; s++) {
          const idx = base + post.spikes[s];
          const x = w[idx];
          const b = f(pi * f(wmax - x));
          w[idx] = f(x + (both ? f(-f(dep[s] * f(x - wmin)) + b) : b));
        }
      }
    }
    // Rows of pre spikes: depression on the other columns.
    if (doDep) {
      const cols = postTrace.active;
      const m = postTrace.activeCount;
      for (let s = 0; s < pre.spikeCount; s++) {
        const base = pre.spikes[s] * stride;
        for (let k = 0; k < m; k++) {
          const j = cols[k];
          if (postFlag[j]) continue;
          const idx = base + j;
          const x = w[idx];
          w[idx] = f(x - f(f(nu0 * postTrace.value(j, t)) * f(x - wmin)));
        }
      }
    }
    if (doDep) for (let s = 0; s < pre.spikeCount; s++) preFlag[pre.spikes[s]] = 0;
    if (doPot) for (let s = 0; s < post.spikeCount; s++) postFlag[post.spikes[s]] = 0;
    if (clampTouched) clampVisited(syn);
  }
}

/** BindsNET `WeightDependentPostPre` (requires finite wmin and wmax on the connection). */
export function weightDependentPostPre(options: RuleOptions): LearningRule {
  return new WeightDependentPostPre(options);
}
