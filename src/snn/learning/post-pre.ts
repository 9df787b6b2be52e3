/**
 * PostPre STDP (BindsNET `PostPre`, the paper's rule) and `Hebbian`, which differ only in the sign of the
 * pre-synaptic term:
 *   PostPre: W[i,j] −= nu_pre·x_post[j] on a pre spike i;  W[i,j] += nu_post·x_pre[i] on a post spike j
 *   Hebbian: W[i,j] += nu_pre·x_post[j] on a pre spike i;  W[i,j] += nu_post·x_pre[i] on a post spike j
 * The pre-synaptic update is applied to the whole matrix before the post-synaptic one, as in BindsNET, which
 * fixes the rounding of entries that get both.
 */
import { clampVisited, pairTouches, requireTraces, type LearningRule, type RuleOptions, type Synapses } from './rule.js';

class PairRule implements LearningRule {
  readonly nuPre: number;
  readonly nuPost: number;
  private dep = new Float32Array(0);
  private pot = new Float32Array(0);

  constructor(
    readonly kind: 'post-pre' | 'hebbian',
    options: RuleOptions,
    private readonly preSign: 1 | -1,
  ) {
    this.nuPre = Math.fround(options.nuPre);
    this.nuPost = Math.fround(options.nuPost);
  }

  touches(syn: Synapses, _t: number): boolean {
    return pairTouches(syn, this.nuPre, this.nuPost);
  }

  apply(syn: Synapses, t: number, clampTouched: boolean): void {
    requireTraces(syn, this.kind);
    const { w, stride, source: pre, target: post } = syn;
    const preTrace = pre.trace!;
    const postTrace = post.trace!;
    let visited = false;
    if (this.nuPre !== 0 && pre.spikeCount > 0 && postTrace.activeCount > 0) {
      const m = postTrace.activeCount;
      const cols = postTrace.active;
      if (this.dep.length < m) this.dep = new Float32Array(post.n);
      const d = this.dep;
      // fround(x·nu) once per post neuron; the sign flip is exact.
      for (let k = 0; k < m; k++) d[k] = this.preSign * Math.fround(postTrace.value(cols[k], t) * this.nuPre);
      for (let s = 0; s < pre.spikeCount; s++) {
        const base = pre.spikes[s] * stride;
        for (let k = 0; k < m; k++) w[base + cols[k]] += d[k];
      }
      visited = true;
    }
    if (this.nuPost !== 0 && post.spikeCount > 0 && preTrace.activeCount > 0) {
      const m = preTrace.activeCount;
      const rows = preTrace.active;
      if (this.pot.length < m) this.pot = new Float32Array(pre.n);
      const p = this.pot;
      for (let k = 0; k < m; k++) p[k] = Math.fround(preTrace.value(rows[k], t) * this.nuPost);
      // Row by row (each entry is updated once, so the order is free): when many neurons fire at once, the
      // entries of one row share cache lines.
      const spikes = post.spikes;
      const ns = post.spikeCount;
      for (let k = 0; k < m; k++) {
        const base = rows[k] * stride;
        const pk = p[k];
        for (let s = 0; s < ns; s++) w[base + spikes[s]] += pk;
      }
      visited = true;
    }
    if (visited && clampTouched) clampVisited(syn);
  }
}

/** BindsNET `PostPre` (nu = (nu_pre, nu_post)). */
export function postPre(options: RuleOptions): LearningRule {
  return new PairRule('post-pre', options, -1);
}

/** BindsNET `Hebbian` (both terms potentiate). */
export function hebbian(options: RuleOptions): LearningRule {
  return new PairRule('hebbian', options, 1);
}
