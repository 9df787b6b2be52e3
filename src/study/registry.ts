/**
 * The objective registry: names that a study config or a worker's command line can use, each mapped to a factory
 * that builds the objective (optionally from options, validated by the factory). A worker only ever runs an
 * objective it resolved itself through here, from its own command line: nothing executable travels in a job.
 *
 * A reference is either a registered name (with options) or the path of a user's ES module.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { BUILTIN_OBJECTIVES } from './builtin-objectives.js';
import { loadObjectiveModule, type Objective } from './objective.js';

/** Builds a registered objective. */
export interface ObjectiveFactory {
  name: string;
  description: string;
  /** Validates options (throwing a UserError naming the bad one) and builds the objective. */
  create(options: unknown): Objective | Promise<Objective>;
}

/** How to find an objective again, in another thread, process or session. */
export type ObjectiveRef =
  | { kind: 'registered'; name: string; options?: unknown }
  | { kind: 'module'; path: string };

const factories = new Map<string, ObjectiveFactory>(BUILTIN_OBJECTIVES.map((f) => [f.name, f]));

/** Adds a factory (later issues register the SNN experiments this way). */
export function registerObjective(factory: ObjectiveFactory): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(factory.name)) throw new Error(`objective name '${factory.name}' must match [A-Za-z0-9_.-]+`);
  factories.set(factory.name, factory);
}

/** Every registered objective, by name. */
export function registeredObjectives(): ObjectiveFactory[] {
  return [...factories.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Files with these endings are objective modules; anything else is looked up as a registered name. */
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

/**
 * Interprets a command-line or config value: a registered name, or a module path (relative to `baseDir`).
 * @throws UserError for an unknown name or a missing module.
 */
export function parseObjectiveArgument(value: string, baseDir: string = process.cwd(), options?: unknown): ObjectiveRef {
  const looksLikePath = MODULE_EXTENSIONS.has(extname(value).toLowerCase()) || value.includes('/') || value.includes('\\');
  if (!looksLikePath) {
    if (!factories.has(value)) {
      throw new UserError(`Unknown objective '${value}'; expected a module file or one of ${[...factories.keys()].sort().join(', ')}.`);
    }
    return options === undefined ? { kind: 'registered', name: value } : { kind: 'registered', name: value, options };
  }
  if (options !== undefined) throw new UserError(`Objective module ${value} takes no options (only registered objectives do).`);
  const path = isAbsolute(value) ? value : resolve(baseDir, value);
  if (!existsSync(path)) throw new UserError(`Objective module ${value} does not exist.`);
  return { kind: 'module', path };
}

/** Builds the objective a reference names. */
export async function resolveObjective(ref: ObjectiveRef): Promise<Objective> {
  if (ref.kind === 'module') return loadObjectiveModule(ref.path);
  const factory = factories.get(ref.name);
  if (!factory) throw new UserError(`Unknown objective '${ref.name}'; expected one of ${[...factories.keys()].sort().join(', ')}.`);
  return factory.create(ref.options);
}

/**
 * The name under which workers serve an objective (and the broker queue they read): a registered objective's
 * name, or a module's exported `name`, else its file name without extension. Options, when there are any, add a
 * short hash, so that only workers started with the same options take the trials.
 */
export function objectiveKey(ref: ObjectiveRef, objective: Objective): string {
  const raw =
    ref.kind === 'registered'
      ? ref.name
      : objective.name !== ref.path && !isPathLike(objective.name)
        ? objective.name
        : basename(ref.path, extname(ref.path));
  const key = raw.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80) || 'objective';
  if (ref.kind !== 'registered' || ref.options === undefined || isEmptyObject(ref.options)) return key;
  return `${key}-${createHash('sha256').update(canonicalJson(ref.options)).digest('hex').slice(0, 10)}`;
}

function isEmptyObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** JSON with object keys sorted, so equal options hash equally whatever order they were written in. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function isPathLike(name: string): boolean {
  return name.includes('/') || name.includes('\\') || MODULE_EXTENSIONS.has(extname(name).toLowerCase());
}
