/**
 * Adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8, bias correction, no weight decay), over the learnable
 * entries of a flat parameter vector; entries outside the mask never move.
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private steps = 0;

  constructor(
    private readonly learnable: Uint8Array,
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(learnable.length);
    this.v = new Float64Array(learnable.length);
  }

  /** x ← x − lr·m̂/(√v̂ + ε) with the gradient g (torch.optim.Adam's update order). */
  step(x: Float64Array, g: Float64Array): void {
    this.steps++;
    const { m, v, beta1, beta2, eps, learnable } = this;
    const bc1 = 1 - beta1 ** this.steps;
    const bc2 = 1 - beta2 ** this.steps;
    const stepSize = this.lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < x.length; i++) {
      if (!learnable[i]) continue;
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      x[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
    }
  }
}
