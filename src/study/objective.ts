/**
 * Objectives: a search space, a direction and an evaluate function. Users bring their own as an ES module that
 * exports `space`, `evaluate(params, context)` (sync or async) and optionally `direction` (default 'minimize'),
 * `name` and `constraintCount`.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { SearchSpace } from '../space/space.js';
import { benchmarkProblems } from '../problems/synthetic.js';

export type Direction = 'minimize' | 'maximize';

/**
 * What evaluate() may return: a bare number, or the objective with constraint values (feasible when <= 0) and any
 * further measurements as `metrics` (JSON-like values). Metrics with these names are also stored in their own
 * columns: `stopped` (boolean: training was cut short by early stopping; the trial is then 'stopped-early'),
 * `stoppedAt` (where it stopped), `trainSeconds`, `validationSeconds`, `spikeCounts` (per layer).
 *
 * `objective: null` with at least one constraint value means "not measured" (spec Q15: a stopped network that was
 * not validated): the trial completes with no objective, its constraints train the optimizer's constraint models
 * and it never counts as the best trial.
 */
export type EvaluateResult = number | { objective: number | null; constraints?: number[]; metrics?: Record<string, unknown> };

/** What an evaluation is told about itself besides the parameters. */
export interface TrialContext {
  trialId: number;
  /** Seed for everything random in this evaluation, derived from the study seed and the trial id. */
  seed: number;
  /** 1 for the first attempt, more when a lost attempt is re-run. */
  attempt: number;
}

export interface Objective {
  name: string;
  space: SearchSpace;
  direction: Direction;
  /** Number of constraint values evaluate() returns, when known in advance. */
  constraintCount?: number;
  /**
   * Things every output of this objective must say (e.g. that it runs on synthetic data): printed when a study is
   * created and stored with the study as events.
   */
  notes?: string[];
  evaluate(params: Record<string, unknown>, context?: TrialContext): EvaluateResult | Promise<EvaluateResult>;
}

/** Loads a user objective module, checking each export with a clear error that names the file. */
export async function loadObjectiveModule(file: string): Promise<Objective> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UserError(`objective module ${file} does not exist`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`objective module ${file} could not be loaded: ${(err as Error).message}`);
  }
  const exports = (mod.default && typeof mod.default === 'object' && !('evaluate' in mod) ? mod.default : mod) as Record<
    string,
    unknown
  >;
  if (typeof exports.evaluate !== 'function') {
    throw new UserError(`objective module ${file} must export a function evaluate(params)`);
  }
  if (exports.space === undefined) throw new UserError(`objective module ${file} must export a search space as 'space'`);
  const direction = exports.direction ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new UserError(`objective module ${file} exports direction '${String(direction)}'; expected 'minimize' or 'maximize'`);
  }
  const space = exports.space instanceof SearchSpace ? exports.space : SearchSpace.from(exports.space, file);
  const constraintCount = exports.constraintCount;
  if (constraintCount !== undefined && !(Number.isInteger(constraintCount) && (constraintCount as number) >= 0)) {
    throw new UserError(`objective module ${file} exports constraintCount ${String(constraintCount)}; expected a non-negative integer`);
  }
  return {
    name: typeof exports.name === 'string' && exports.name !== '' ? exports.name : file,
    space,
    direction,
    ...(constraintCount === undefined ? {} : { constraintCount: constraintCount as number }),
    evaluate: exports.evaluate as Objective['evaluate'],
  };
}

/** A built-in benchmark problem as an objective. */
export function builtinObjective(name: string): Objective {
  const problem = benchmarkProblems[name];
  if (!problem) {
    throw new UserError(`unknown built-in problem '${name}'; expected one of ${Object.keys(benchmarkProblems).join(', ')}`);
  }
  return {
    name: problem.name,
    space: SearchSpace.from(problem.space, problem.name),
    direction: problem.direction,
    constraintCount: problem.constraintCount,
    evaluate: (params) => problem.evaluate(params),
  };
}
