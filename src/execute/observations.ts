/**
 * Stored trials as the optimizer sees them: the objective in the maximise convention (negated for minimisation
 * studies), null objective and constraints for failed trials, a null objective with constraints for a trial whose
 * objective was not measured (spec Q15).
 */
import type { Observation, PendingPoint } from '../optimize/types.js';
import type { TrialRow } from '../storage/types.js';
import type { Direction } from '../study/objective.js';

export function toObservation(t: TrialRow, direction: Direction): Observation {
  const sign = direction === 'maximize' ? 1 : -1;
  const ok = t.state !== 'failed';
  return {
    id: t.id,
    u: Float64Array.from(t.u),
    objective: ok && t.objective !== null ? sign * t.objective : null,
    constraints: ok ? t.constraints : null,
  };
}

export function toPending(t: Pick<TrialRow, 'id' | 'u'>): PendingPoint {
  return { id: t.id, u: Float64Array.from(t.u) };
}
