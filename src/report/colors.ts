/**
 * Colours shared by every figure, so that "stopped", "failed" and "better objective" look the same everywhere.
 */

export const STATE_COLORS = {
  complete: '#2b6cb0',
  'stopped-early': '#d64541',
  failed: '#7f7f7f',
  running: '#e0a800',
  queued: '#b0b0b0',
} as const;

/** Sequential scale from worse to better objective (a viridis-like ramp: readable in grey, colour-blind safe). */
export const OBJECTIVE_RAMP = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

/** Linear interpolation in OBJECTIVE_RAMP for t in [0, 1] (0 = worst, 1 = best). */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (OBJECTIVE_RAMP.length - 1);
  const i = Math.min(OBJECTIVE_RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = hex(OBJECTIVE_RAMP[i]);
  const b = hex(OBJECTIVE_RAMP[i + 1]);
  const mix = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `#${mix.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function hex(c: string): number[] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}
