/**
 * The study configuration: what a study YAML file may say (validated with zod; a mistake is reported as one
 * sentence naming the file and the field) and its normalised form, which is stored in the study database so that
 * a resumed study runs exactly as configured.
 *
 * ```yaml
 * name: ackley                      # letters, digits, _ . -
 * seed: 1                           # drives the optimizer and every trial's seed
 * objective: ackley10c              # a registered name, a module path, or { name: NAME, options: {...} }
 * space: ./space.yaml               # optional: a file or an inline list; default: the objective's own space
 * optimizer: { name: scbo, preset: default, batchSize: 4, initialSize: 10, settings: { pendingStrategy: believer } }
 * budget: { evaluations: 200, wallTime: 2h, workerHours: 100 }     # at least one
 * execution:
 *   mode: local                     # local (worker threads) | distributed (Redis workers)
 *   workers: auto                   # local threads (auto: one per core)
 *   broker: redis://127.0.0.1:6379  # distributed only; rediss:// for TLS, redis://:PASSWORD@host:port
 *   trialTimeout: 30m
 *   maxAttempts: 3
 * storage: { path: ./studies/ackley } # default: studies/NAME in the current folder
 * scales:                           # optional named overrides, chosen with `spikeopt run FILE --scale NAME`
 *   small: { budget: { evaluations: 20 }, objective: { options: { scale: small } } }
 * ```
 *
 * A scale is deep-merged into the rest of the file before validation (mappings merge key by key, recursively;
 * lists and scalars replace), and its name is stored with the study. Without a scale, `scales` is ignored.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { optimizerNames, type OptimizerName } from '../optimize/create.js';
import { scboSettings, type ScboPreset, type ScboSettings } from '../optimize/scbo/settings.js';
import { readSpaceFile } from '../space/load.js';
import { UserError } from '../util/errors.js';
import { parseObjectiveArgument, type ObjectiveRef } from './registry.js';
import { durationSchema } from './duration.js';

/** A configuration as stored and used: paths absolute, durations in seconds, defaults filled in. */
export interface StudyConfig {
  name: string;
  /** The entry of the file's `scales` map merged into this config (`--scale NAME`), or null for none. */
  scale?: string | null;
  /** What the objective says every output must say (its `notes`, e.g. synthetic data), fixed at creation. */
  notes?: string[];
  seed: number;
  objective: ObjectiveRef;
  /** The search space as written (a list or map of parameters), or null for the objective's own space. */
  space: unknown;
  optimizer: {
    name: OptimizerName;
    preset: ScboPreset;
    batchSize: number;
    /** Null: max(2 · dimension, batchSize), fixed when the study is created. */
    initialSize: number | null;
    /** SCBO settings overriding the preset's, field by field. */
    settings: Partial<ScboSettings>;
    /**
     * Constraint count the optimizer was built with (the objective's declared count, or null to learn it from the
     * first result); fixed when the study is created so a resumed optimizer is built identically.
     */
    constraintCount: number | null;
  };
  budget: {
    evaluations: number | null;
    wallSeconds: number | null;
    workerHours: number | null;
  };
  execution: {
    mode: 'local' | 'distributed';
    /** Local worker threads. */
    workers: number;
    broker: string | null;
    /** PEM file of the certificate authority for a rediss:// broker with a private CA. */
    tlsCa: string | null;
    /** A new batch is asked for when at most this many trials wait in the queue (the paper's THRESHOLD). */
    refillThreshold: number;
    trialTimeoutSeconds: number | null;
    /** Attempts a trial may lose (dead worker or master) before it is failed. */
    maxAttempts: number;
    /** When the budget runs out: wait for running trials, or cancel them (they go back to the queue). */
    onBudget: 'wait' | 'cancel';
    heartbeatSeconds: number;
    /** Distributed: how often the master checks the broker for lost, failed or vanished jobs. */
    reconcileSeconds: number;
    /** Distributed: key prefix of every queue in Redis. */
    queuePrefix: string;
  };
  storage: {
    /** Study folder; the database is its study.sqlite. Default studies/NAME in the current folder. */
    dir: string;
    synchronous: 'normal' | 'full';
  };
}

const nameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be 1 to 100 letters, digits, _, . or -');

const objectiveSchema = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }).strict(),
  z.object({ module: z.string().min(1) }).strict(),
]);

const positiveInt = z.number({ error: 'must be a positive integer' }).int('must be a positive integer').positive('must be a positive integer');

/** SCBO settings a config may override: the preset's keys plus the ones whose default is computed. */
const SCBO_KEYS = new Set(
  [...Object.keys(scboSettings('default', { batchSize: 1, initialSize: 1 })), 'failureTolerance', 'candidates', 'perturbationProbability'].filter(
    (k) => k !== 'batchSize' && k !== 'initialSize',
  ),
);

const fileSchema = z
  .object({
    name: nameSchema,
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    objective: objectiveSchema,
    space: z.union([z.string().min(1), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
    optimizer: z
      .object({
        name: z.enum(optimizerNames).default('scbo'),
        preset: z.enum(['default', 'paper', 'tutorial']).default('default'),
        batchSize: positiveInt.default(4),
        initialSize: positiveInt.optional(),
        settings: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .default({ name: 'scbo', preset: 'default', batchSize: 4, settings: {} }),
    budget: z
      .object({
        evaluations: positiveInt.optional(),
        wallTime: durationSchema.optional(),
        workerHours: z.number().positive().optional(),
      })
      .strict()
      .refine((b) => b.evaluations !== undefined || b.wallTime !== undefined || b.workerHours !== undefined, {
        message: 'give at least one of evaluations, wallTime or workerHours',
      }),
    execution: z
      .object({
        mode: z.enum(['local', 'distributed']).default('local'),
        workers: z.union([positiveInt, z.literal('auto')]).default('auto'),
        broker: z.string().min(1).optional(),
        tlsCa: z.string().min(1).optional(),
        refillThreshold: z.number().int().min(0).default(1),
        trialTimeout: durationSchema.optional(),
        maxAttempts: positiveInt.default(3),
        onBudget: z.enum(['wait', 'cancel']).default('wait'),
        heartbeat: durationSchema.default(5),
        reconcileInterval: durationSchema.default(2),
        queuePrefix: z.string().regex(/^[A-Za-z0-9_.-]{1,50}$/, 'must be 1 to 50 letters, digits, _, . or -').default('spikeopt'),
      })
      .strict()
      .default({
        mode: 'local',
        workers: 'auto',
        refillThreshold: 1,
        maxAttempts: 3,
        onBudget: 'wait',
        heartbeat: 5,
        reconcileInterval: 2,
        queuePrefix: 'spikeopt',
      }),
    storage: z
      .object({ path: z.string().min(1).optional(), synchronous: z.enum(['normal', 'full']).default('normal') })
      .strict()
      .default({ synchronous: 'normal' }),
  })
  .strict();

/** One sentence for the first problem zod found. */
function describeIssue(source: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  else if (issue.code === 'invalid_union') message = 'is not of an accepted form';
  return `Study config ${source}: ${field}${message.replace(/\.$/, '')}.`;
}

/**
 * Validates and normalises a parsed config.
 * @param baseDir folder that relative paths in the config are relative to.
 * @param scale an entry of the config's `scales` map to merge in first (see {@link applyScale}), or null.
 * @throws UserError (one sentence) for the first mistake.
 */
export function parseStudyConfig(data: unknown, source: string, baseDir: string, scale: string | null = null): StudyConfig {
  const merged = applyScale(data, source, scale);
  // Mistakes in a scaled config may come from the scale's override: say which scale was merged.
  if (scale !== null) source = `${source} (scale ${scale})`;
  const parsed = fileSchema.safeParse(merged);
  if (!parsed.success) throw new UserError(describeIssue(source, parsed.error));
  const c = parsed.data;
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));

  let objective: ObjectiveRef;
  try {
    if (typeof c.objective === 'string') objective = parseObjectiveArgument(c.objective, baseDir);
    else if ('module' in c.objective) objective = parseObjectiveArgument(c.objective.module, baseDir);
    else objective = parseObjectiveArgument(c.objective.name, baseDir, c.objective.options ?? {});
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`Study config ${source}: objective: ${err.message}`);
    throw err;
  }

  let space: unknown = null;
  if (typeof c.space === 'string') {
    try {
      space = readSpaceFile(at(c.space));
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`Study config ${source}: space: ${err.message}`);
      throw err;
    }
  } else if (c.space !== undefined) {
    space = c.space;
  }

  for (const key of Object.keys(c.optimizer.settings)) {
    if (!SCBO_KEYS.has(key)) {
      const hint = key === 'batchSize' || key === 'initialSize' ? ` (write optimizer.${key} instead)` : '';
      throw new UserError(`Study config ${source}: optimizer.settings: unknown SCBO setting '${key}'${hint}.`);
    }
  }
  if (c.optimizer.name !== 'scbo' && Object.keys(c.optimizer.settings).length > 0) {
    throw new UserError(`Study config ${source}: optimizer.settings apply to scbo only, not ${c.optimizer.name}.`);
  }
  try {
    scboSettings(c.optimizer.preset, {
      ...(c.optimizer.settings as Partial<ScboSettings>),
      batchSize: c.optimizer.batchSize,
      initialSize: c.optimizer.initialSize ?? c.optimizer.batchSize,
    });
  } catch (err) {
    throw new UserError(`Study config ${source}: optimizer.settings: ${(err as Error).message}.`);
  }

  const e = c.execution;
  if (e.mode === 'distributed' && e.broker === undefined) {
    throw new UserError(`Study config ${source}: execution.broker: a distributed study needs a broker URL such as redis://127.0.0.1:6379.`);
  }
  if (e.mode === 'local' && e.broker !== undefined) {
    throw new UserError(`Study config ${source}: execution.broker is only used with execution.mode: distributed.`);
  }

  return {
    name: c.name,
    scale,
    seed: c.seed,
    objective,
    space,
    optimizer: {
      name: c.optimizer.name,
      preset: c.optimizer.preset,
      batchSize: c.optimizer.batchSize,
      initialSize: c.optimizer.initialSize ?? null,
      settings: c.optimizer.settings as Partial<ScboSettings>,
      constraintCount: null,
    },
    budget: {
      evaluations: c.budget.evaluations ?? null,
      wallSeconds: c.budget.wallTime ?? null,
      workerHours: c.budget.workerHours ?? null,
    },
    execution: {
      mode: e.mode,
      workers: e.workers === 'auto' ? availableParallelism() : e.workers,
      broker: e.broker ?? null,
      tlsCa: e.tlsCa === undefined ? null : at(e.tlsCa),
      refillThreshold: e.refillThreshold,
      trialTimeoutSeconds: e.trialTimeout ?? null,
      maxAttempts: e.maxAttempts,
      onBudget: e.onBudget,
      heartbeatSeconds: e.heartbeat,
      reconcileSeconds: e.reconcileInterval,
      queuePrefix: e.queuePrefix,
    },
    storage: {
      // Results go where the command runs unless the config says otherwise (then relative to the config file).
      dir: c.storage.path === undefined ? resolve('studies', c.name) : at(c.storage.path),
      synchronous: c.storage.synchronous,
    },
  };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `base` with `override` merged in: mappings merge key by key (recursively), anything else in `override` (a list,
 * a scalar, null) replaces what `base` had. Neither argument is modified.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isMapping(base) || !isMapping(override)) return structuredClone(override);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(override)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}

/** The names of a config's `scales` map (empty when it has none). */
export function scaleNames(data: unknown): string[] {
  return isMapping(data) && isMapping(data.scales) ? Object.keys(data.scales) : [];
}

/**
 * A parsed config file without its `scales` map, with the named scale merged in (see the module comment).
 * @throws UserError for a malformed `scales` map or an unknown scale name (listing the available ones).
 */
export function applyScale(data: unknown, source: string, scale: string | null): unknown {
  if (!isMapping(data)) return data;
  const { scales, ...rest } = data;
  if (scales !== undefined) {
    if (!isMapping(scales)) throw new UserError(`Study config ${source}: scales: must be a mapping from scale names to overrides.`);
    for (const [name, override] of Object.entries(scales)) {
      if (!isMapping(override)) throw new UserError(`Study config ${source}: scales.${name}: must be a mapping (fields of the config to override).`);
      if ('scales' in override) throw new UserError(`Study config ${source}: scales.${name}: a scale cannot contain scales.`);
    }
  }
  if (scale === null) return rest;
  const available = scales === undefined ? [] : Object.keys(scales as Record<string, unknown>);
  if (!available.includes(scale)) {
    const list = available.length === 0 ? 'it defines no scales' : `available: ${available.join(', ')}`;
    throw new UserError(`Study config ${source} has no scale '${scale}' (${list}).`);
  }
  return deepMerge(rest, (scales as Record<string, unknown>)[scale]);
}

/**
 * Reads a study YAML (or JSON) file.
 * @param scale an entry of the file's `scales` map to merge in (`--scale NAME`), or null.
 */
export function loadStudyConfig(file: string, scale: string | null = null): { config: StudyConfig; source: string } {
  const { data, text } = readStudyFile(file);
  return { config: parseStudyConfig(data, file, dirname(resolve(file)), scale), source: text };
}

/**
 * Reads a study YAML (or JSON) file as plain data, before validation (to change fields first, then
 * {@link parseStudyConfig}). @throws UserError naming the file when it cannot be read, is not YAML or not a mapping.
 */
export function readStudyFile(file: string): { data: Record<string, unknown>; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`Study config ${file} could not be read: ${code === 'ENOENT' ? 'it does not exist' : (err as Error).message}.`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new UserError(`Study config ${file} is not valid YAML: ${(err as Error).message.split('\n')[0].replace(/\.$/, '')}.`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError(`Study config ${file} must be a YAML mapping with at least name, objective and budget.`);
  }
  return { data: data as Record<string, unknown>, text };
}
