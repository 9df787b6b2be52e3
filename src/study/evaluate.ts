/**
 * Runs one evaluation and turns whatever happens (a value, a throw, NaN) into a trial outcome. A failed
 * evaluation never stops the study.
 */
import { plainJson } from '../storage/json.js';
import type { EvaluateResult, Objective, TrialContext } from './objective.js';

export type TrialStatus = 'complete' | 'failed';

export interface TrialOutcome {
  status: TrialStatus;
  /** Objective in the user's direction; null when failed, or when complete but not measured (constraints only). */
  objective: number | null;
  constraints: number[] | null;
  feasible: boolean;
  /** Further measurements the objective returned (JSON-shaped copy); absent when it returned none. */
  metrics?: Record<string, unknown>;
  error?: string;
  seconds: number;
}

/**
 * Evaluates params, catching exceptions and rejecting non-finite or malformed results.
 * @param constraintCount the number of constraints every result must have, or null to accept any.
 */
export async function evaluateSafely(
  objective: Objective,
  params: Record<string, unknown>,
  constraintCount: number | null,
  context?: TrialContext,
): Promise<TrialOutcome> {
  const start = performance.now();
  const failed = (error: string): TrialOutcome => ({
    status: 'failed',
    objective: null,
    constraints: null,
    feasible: false,
    error,
    seconds: (performance.now() - start) / 1000,
  });
  let raw: EvaluateResult;
  try {
    raw = await (context === undefined ? objective.evaluate({ ...params }) : objective.evaluate({ ...params }, context));
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  }
  const value = typeof raw === 'number' ? raw : raw?.objective;
  const constraints = typeof raw === 'number' ? [] : (raw?.constraints ?? []);
  if (!Array.isArray(constraints) || !constraints.every((c) => typeof c === 'number' && Number.isFinite(c))) {
    return failed(`evaluate returned constraints that are not finite numbers (${JSON.stringify(constraints)})`);
  }
  // null: not measured (spec Q15), which only makes sense next to measured constraints.
  const unmeasured = value === null && typeof raw === 'object' && constraints.length > 0;
  if (!unmeasured && (typeof value !== 'number' || !Number.isFinite(value))) {
    const why = value === null ? ' (an objective may be null, i.e. not measured, only next to constraint values)' : '';
    return failed(`evaluate returned a non-finite objective (${String(value)})${why}`);
  }
  if (constraintCount !== null && constraints.length !== constraintCount) {
    return failed(`evaluate returned ${constraints.length} constraint values, expected ${constraintCount} as before`);
  }
  const rawMetrics = typeof raw === 'number' ? undefined : raw.metrics;
  let metrics: Record<string, unknown> | undefined;
  if (rawMetrics !== undefined) {
    if (rawMetrics === null || typeof rawMetrics !== 'object' || Array.isArray(rawMetrics)) {
      return failed(`evaluate returned metrics that are not an object (${typeof rawMetrics})`);
    }
    try {
      metrics = plainJson(rawMetrics) as Record<string, unknown>;
    } catch (err) {
      return failed(`evaluate returned metrics that cannot be stored as JSON (${(err as Error).message})`);
    }
  }
  return {
    status: 'complete',
    objective: unmeasured ? null : (value as number),
    constraints: [...constraints],
    feasible: constraints.every((c) => c <= 0),
    ...(metrics === undefined ? {} : { metrics }),
    seconds: (performance.now() - start) / 1000,
  };
}
