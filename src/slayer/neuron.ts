/**
 * Neuron parameters of the surrogate-gradient engine and what each numeric mode makes of them
 * (spec snn-models.md B1–B4): `float` (default, no quantisation) and `fixed` (Lava-DL's integer states in units
 * of 1/4096, thresholds on a 1/64 grid, decays rounded, weights on a 1/32 grid clamped to [−4, 3.96875]).
 */
import { UserError } from '../util/errors.js';
import type { AlifConstants, CubaConstants, Real } from '../kernels/slayer-kernels.js';

export type NeuronKind = 'alif' | 'cuba';
export type NumericMode = 'float' | 'fixed';

/** Shared by every block of a network (the paper's CSNNs). Decays are fractions in [0, 1]. */
export interface NeuronParams {
  kind: NeuronKind;
  threshold: number;
  /** ALIF only. */
  thresholdStep: number;
  currentDecay: number;
  voltageDecay: number;
  /** ALIF only. */
  thresholdDecay: number;
  /** ALIF only. */
  refractoryDecay: number;
  tauGrad: number;
  scaleGrad: number;
}

/** Fixed-point constants (B1). */
export const S_SCALE = 4096;
export const W_SCALE = 64;
const TAU_RHO_MULT = 100;
const SCALE_RHO_MULT = 0.1;
/** CUBA's threshold epsilon (spikes on v > θ in fixed point). */
const CUBA_EPS = 0.01 / 4096;

/** Checks the ranges a neuron needs; names the field on error. */
export function checkNeuronParams(p: NeuronParams): void {
  const pos = (v: number, name: string) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new UserError(`neuron ${name} must be a positive number, got ${v}.`);
  };
  const unit = (v: number, name: string) => {
    if (!(v >= 0 && v <= 1)) throw new UserError(`neuron ${name} must be in [0, 1], got ${v}.`);
  };
  if (p.kind !== 'alif' && p.kind !== 'cuba') throw new UserError(`neuron kind must be 'alif' or 'cuba', got ${String(p.kind)}.`);
  pos(p.threshold, 'threshold');
  pos(p.tauGrad, 'tau_grad');
  pos(p.scaleGrad, 'scale_grad');
  unit(p.currentDecay, 'current_decay');
  unit(p.voltageDecay, 'voltage_decay');
  if (p.kind === 'alif') {
    if (!(p.thresholdStep >= 0)) throw new UserError(`neuron threshold_step must be ≥ 0, got ${p.thresholdStep}.`);
    unit(p.thresholdDecay, 'threshold_decay');
    unit(p.refractoryDecay, 'refractory_decay');
  }
}

/** θ on the 1/64 grid in fixed mode, unchanged in float mode. */
export function quantizedThreshold(theta: number, mode: NumericMode): number {
  return mode === 'fixed' ? Math.floor(W_SCALE * theta) / W_SCALE : theta;
}

/** Surrogate constants: ∂s/∂v = a·exp(−|v − θ_eff|/tau). */
export function surrogateConstants(p: NeuronParams, mode: NumericMode): { a: number; tau: number } {
  const tau = TAU_RHO_MULT * p.tauGrad * quantizedThreshold(p.threshold, mode);
  const scale = SCALE_RHO_MULT * p.scaleGrad;
  return { a: scale / (2 * tau), tau };
}

/** Decay multiplier 1 − D/4096 of a decay stored as D (rounded in fixed mode). */
export function decayMultiplier(D: number, mode: NumericMode): number {
  return 1 - (mode === 'fixed' ? Math.round(D) : D) / S_SCALE;
}

/** Kernel constants of an ALIF block whose learnable decays are D_u, D_v. */
export function alifConstants(p: NeuronParams, Du: number, Dv: number, mode: NumericMode): AlifConstants {
  const q = (x: number) => quantizedThreshold(x, mode);
  return {
    ku: decayMultiplier(Du, mode),
    kv: decayMultiplier(Dv, mode),
    kth: decayMultiplier(S_SCALE * p.thresholdDecay, mode),
    kr: decayMultiplier(S_SCALE * p.refractoryDecay, mode),
    theta0: q(p.threshold),
    step: q(p.thresholdStep),
  };
}

export function cubaConstants(p: NeuronParams, Du: number, Dv: number, mode: NumericMode): CubaConstants {
  return { ku: decayMultiplier(Du, mode), kv: decayMultiplier(Dv, mode), theta: quantizedThreshold(p.threshold, mode) + CUBA_EPS };
}

/** rtz(a, 12): a/4096 rounded toward zero. */
function rtz12(a: number): number {
  return Math.trunc(a / S_SCALE);
}

/**
 * Fixed-mode ALIF scan (B3), integer states in units of 1/4096 (exact in doubles). Same outputs as the float
 * kernel: u, v (as fractions), delta = (V − TH − R)/4096, s.
 */
export function alifForwardFixed(
  P: number, T: number, cp: number, C: number, z: Real, p: NeuronParams, Du: number, Dv: number,
  u: Real, v: Real, delta: Real, s: Real,
): void {
  const du = Math.round(Du);
  const dv = Math.round(Dv);
  const dth = Math.round(S_SCALE * p.thresholdDecay);
  const dr = Math.round(S_SCALE * p.refractoryDecay);
  const TH0 = Math.trunc(S_SCALE * quantizedThreshold(p.threshold, 'fixed'));
  const STEP = Math.trunc(S_SCALE * quantizedThreshold(p.thresholdStep, 'fixed'));
  for (let pos = 0; pos < P; pos++) {
    for (let c = 0; c < cp; c++) {
      let U = 0;
      let V = 0;
      let R = 0;
      let TH = TH0;
      for (let t = 0; t < T; t++) {
        const i = (pos * T + t) * cp + c;
        if (c >= C) {
          u[i] = v[i] = s[i] = 0;
          delta[i] = -1;
          continue;
        }
        U = rtz12(U * (S_SCALE - du)) + Math.trunc(S_SCALE * z[i]);
        V = rtz12(V * (S_SCALE - dv)) + U;
        R = rtz12(R * (S_SCALE - dr));
        TH = rtz12((TH - TH0) * (S_SCALE - dth)) + TH0;
        const spike = V >= TH + R;
        u[i] = U / S_SCALE;
        v[i] = V / S_SCALE;
        delta[i] = (V - TH - R) / S_SCALE;
        s[i] = spike ? 1 : 0;
        if (spike) {
          R += 2 * TH;
          TH += STEP;
        }
      }
    }
  }
}

/** Fixed-mode CUBA scan (B2): reset to 0, spikes on V ≥ θ + ε, i.e. V > TH in integer units. */
export function cubaForwardFixed(
  P: number, T: number, cp: number, C: number, z: Real, p: NeuronParams, Du: number, Dv: number,
  u: Real, v: Real, delta: Real, s: Real,
): void {
  const du = Math.round(Du);
  const dv = Math.round(Dv);
  const TH = Math.trunc(S_SCALE * quantizedThreshold(p.threshold, 'fixed'));
  for (let pos = 0; pos < P; pos++) {
    for (let c = 0; c < cp; c++) {
      let U = 0;
      let V = 0;
      for (let t = 0; t < T; t++) {
        const i = (pos * T + t) * cp + c;
        if (c >= C) {
          u[i] = v[i] = s[i] = 0;
          delta[i] = -1;
          continue;
        }
        U = rtz12(U * (S_SCALE - du)) + Math.trunc(S_SCALE * z[i]);
        V = rtz12(V * (S_SCALE - dv)) + U;
        const spike = V > TH;
        u[i] = U / S_SCALE;
        delta[i] = (V - TH) / S_SCALE - CUBA_EPS;
        s[i] = spike ? 1 : 0;
        if (spike) V = 0;
        v[i] = V / S_SCALE; // the state carried on (after the reset), as the float kernel records it
      }
    }
  }
}

/** Fixed-mode weight quantisation (B1): step 1/32, clamp [−4, 254/64]; the gradient passes straight through. */
export function quantizeWeight(w: number): number {
  const q = Math.round(w * 32) / 32;
  return q < -4 ? -4 : q > 254 / 64 ? 254 / 64 : q;
}

/**
 * Test mode for finite differences: the spike replaced by the smooth function whose derivative is exactly the
 * surrogate, S(d) = a·τ·e^{d/τ} (d < 0), a·τ·(2 − e^{−d/τ}) (d ≥ 0), and the threshold held at θ₀ (no adaptation,
 * no refractory state, no reset), so that the engine's backward pass is the exact gradient of this forward pass.
 */
export function smoothSpike(d: number, a: number, tau: number): number {
  return d < 0 ? a * tau * Math.exp(d / tau) : a * tau * (2 - Math.exp(-d / tau));
}

/** Smooth-spike scan (test mode; see {@link smoothSpike}), for ALIF and CUBA alike. */
export function smoothForward(
  P: number, T: number, cp: number, C: number, z: Real, ku: number, kv: number, theta: number, a: number, tau: number,
  u: Real, v: Real, delta: Real, s: Real,
): void {
  for (let pos = 0; pos < P; pos++) {
    for (let c = 0; c < cp; c++) {
      let U = 0;
      let V = 0;
      for (let t = 0; t < T; t++) {
        const i = (pos * T + t) * cp + c;
        U = ku * U + z[i];
        V = kv * V + U;
        u[i] = U;
        v[i] = V;
        delta[i] = V - theta;
        s[i] = c < C ? smoothSpike(V - theta, a, tau) : 0;
      }
    }
  }
}
