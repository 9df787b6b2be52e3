/**
 * The objectives spikeopt registers itself: the optimizer's benchmark problems (spec scbo.md §11.1), plus two
 * for checking an installation and measuring the execution machinery: `noop` (answers at once) and `busy` (the
 * constrained Hartmann-6 problem, recomputed many times so that each evaluation costs a fixed amount of CPU).
 */
import { z } from 'zod';
import { benchmarkProblems, hartmann6 } from '../problems/synthetic.js';
import { SearchSpace } from '../space/space.js';
import { UserError } from '../util/errors.js';
import { builtinObjective, type Objective } from './objective.js';
import type { ObjectiveFactory } from './registry.js';
import { EXPERIMENT_OBJECTIVES } from '../experiments/objectives.js';

/** Parses a factory's options with a zod schema; a bad option is one sentence naming it. */
export function parseOptions<T>(objective: string, schema: z.ZodType<T>, options: unknown): T {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? `option ${issue.path.join('.')}` : 'options';
  throw new UserError(`Objective ${objective}: ${where}: ${issue.message}.`);
}

const noOptions = z.object({}).strict();

const benchmarks: ObjectiveFactory[] = Object.values(benchmarkProblems).map((problem) => ({
  name: problem.name,
  description: problem.description,
  create(options: unknown): Objective {
    parseOptions(problem.name, noOptions, options);
    return builtinObjective(problem.name);
  },
}));

const noop: ObjectiveFactory = {
  name: 'noop',
  description: 'returns x at once (1-D, minimised): measures scheduling overhead and checks a worker setup',
  create(options: unknown): Objective {
    parseOptions('noop', noOptions, options);
    return {
      name: 'noop',
      space: SearchSpace.from([{ name: 'x', type: 'float', low: 0, high: 1 }], 'noop'),
      direction: 'minimize',
      constraintCount: 0,
      evaluate: (params) => ({ objective: Number(params.x) }),
    };
  },
};

const busyOptions = z
  .object({
    /** Hartmann-6 evaluations burnt per trial (about 10 ms per 100 000 here). */
    repeat: z.number().int().min(1).max(1e9).default(500_000),
  })
  .strict();

const busy: ObjectiveFactory = {
  name: 'busy',
  description: 'constrained Hartmann-6 recomputed `repeat` times per evaluation: a CPU-bound objective of fixed cost',
  create(options: unknown): Objective {
    const { repeat } = parseOptions('busy', busyOptions, options);
    const space = SearchSpace.from(
      Array.from({ length: 6 }, (_, k) => ({ name: `x${k}`, type: 'float' as const, low: 0, high: 1 })),
      'busy',
    );
    return {
      name: 'busy',
      space,
      direction: 'minimize',
      constraintCount: 1,
      evaluate(params) {
        const x = space.dimensionNames.map((n) => Number(params[n]));
        // The mean of `repeat` identical evaluations: its value is Hartmann-6's, its cost proportional to repeat.
        let sum = 0;
        for (let i = 0; i < repeat; i++) sum += hartmann6(x);
        return { objective: sum / repeat, constraints: [Math.hypot(...x) - 1] };
      },
    };
  },
};

/** Registered at start-up by the registry. */
export const BUILTIN_OBJECTIVES: readonly ObjectiveFactory[] = [...benchmarks, noop, busy, ...EXPERIMENT_OBJECTIVES];
