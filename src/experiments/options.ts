/**
 * What the experiment objectives share in their options: the parsing (a bad option is one sentence naming it) and
 * the schema of a visible, tunable silent-network rule.
 */
import { z } from 'zod';
import { UserError } from '../util/errors.js';

const criterionSchema = z
  .object({
    layer: z.string().min(1),
    threshold: z.number(),
    proportion: z.number(),
    total: z.number().positive(),
  })
  .strict();

/** `earlyStopping`: false (no rule, no constraints) or overrides of the experiment's rule; default as run. */
const earlyStoppingOptionSchema = z
  .union([
    z.literal(false),
    z
      .object({
        criteria: z.array(criterionSchema).min(1).optional(),
        updateInterval: z.number().int().min(0).optional(),
        predictive: z.object({ z: z.number().positive(), window: z.number().int().min(1).optional() }).strict().optional(),
        constraint: z.enum(['count', 'projected']).optional(),
      })
      .strict(),
  ])
  .default({});

/**
 * The options every experiment objective has: scale, data sizes and seed, the silent-network rule, what happens to
 * stopped networks (Q15) and to failures (Q18), and the seed used without a trial context.
 */
export const commonOptionFields = {
  scale: z.enum(['small', 'full']).default('full'),
  nTrain: z.number().int().min(1).optional(),
  nValidation: z.number().int().min(1).optional(),
  dataSeed: z.number().int().default(0),
  earlyStopping: earlyStoppingOptionSchema,
  silentRule: z.enum(['stop', 'watch']).default('stop'),
  validateStopped: z.enum(['full', 'skip']).default('full'),
  failure: z.enum(['default', 'faithful', 'throw']).default('default'),
  seed: z.number().int().default(0),
};

/**
 * Parses an objective's options with its schema. `forced` values are fixed by the registry name (e.g. scale small
 * for `…-small`): giving another value is an error that points to `fullName`.
 */
export function parseObjectiveOptions<T>(schema: z.ZodType, objective: string, options: unknown, forced: Partial<T>, fullName: string): T {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? `option ${issue.path.join('.')}` : 'options';
    throw new UserError(`Objective ${objective}: ${where}: ${issue.message}.`);
  }
  for (const [k, v] of Object.entries(forced)) {
    if (options && typeof options === 'object' && k in options && (options as Record<string, unknown>)[k] !== v) {
      throw new UserError(`Objective ${objective}: option ${k} must be ${String(v)} (use ${fullName} for other values).`);
    }
  }
  return { ...(parsed.data as T), ...forced };
}
