/**
 * Validation of user-written search spaces. Structure is checked with zod; every problem is reported as one
 * sentence naming the parameter by name and index (and the file, when known), never as zod's raw issue list.
 */
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { PARAM_TYPES, SAMPLER_NAMES, type Param, type ParamValue, type SamplerName } from './types.js';

// zod 4's z.number() already rejects NaN and ±Infinity.
const choiceValue = z.union([z.string(), z.number(), z.boolean()]);
const name = z.string();

const numericShape = {
  low: z.number(),
  high: z.number(),
  log: z.boolean().optional(),
  sampler: z.enum(SAMPLER_NAMES).optional(),
};

interface NumericInput {
  low: number;
  high: number;
  log?: boolean;
  sampler?: SamplerName;
}

/** Cross-field rules of float and int parameters; each message is a sentence fragment about the parameter. */
function checkNumeric(integer: boolean) {
  return (v: NumericInput, ctx: z.RefinementCtx): void => {
    const fail = (message: string): void => ctx.addIssue({ code: 'custom', message });
    if (integer && !(Number.isSafeInteger(v.low) && Number.isSafeInteger(v.high))) {
      fail(`needs integer bounds, got low = ${v.low} and high = ${v.high}`);
      return;
    }
    if (!(v.low < v.high)) {
      fail(`needs low < high, got low = ${v.low} and high = ${v.high}`);
      return;
    }
    if (!Number.isFinite(v.high - v.low)) {
      fail(`has a range high − low too wide to represent (low = ${v.low}, high = ${v.high})`);
      return;
    }
    if (v.log && v.low <= 0) {
      fail(`uses log: true, so it needs low > 0, got low = ${v.low}`);
      return;
    }
    if ((v.sampler === 'loguniform' || v.sampler === 'reverse-loguniform') && v.low <= 0) {
      fail(`uses the '${v.sampler}' sampler, so it needs low > 0, got low = ${v.low}`);
    }
  };
}

const SCHEMAS = {
  float: z.strictObject({ name, type: z.literal('float'), ...numericShape }).superRefine(checkNumeric(false)),
  int: z.strictObject({ name, type: z.literal('int'), ...numericShape }).superRefine(checkNumeric(true)),
  categorical: z
    .strictObject({ name, type: z.literal('categorical'), choices: z.array(choiceValue).min(1) })
    .superRefine((v, ctx) => {
      const seen = new Set<ParamValue>();
      for (const c of v.choices) {
        if (seen.has(c)) ctx.addIssue({ code: 'custom', message: `lists the choice ${show(c)} more than once` });
        seen.add(c);
      }
    }),
  constant: z.strictObject({ name, type: z.literal('constant'), value: choiceValue }),
} as const;

type ParamType = (typeof PARAM_TYPES)[number];

/**
 * Validates a search-space spec and returns its normalised parameters.
 * Accepts an array of parameters, or a map `{ name: { type, ... } }` whose keys are the names.
 * @param source names the file (or other origin) in error messages.
 * @throws UserError with one sentence describing the first problem found.
 */
export function parseSpaceSpec(spec: unknown, source?: string): Param[] {
  const whole = source ? `Search space ${source}` : 'The search space';
  const context = source ? `search space ${source}` : 'the search space';
  const entries = toEntries(spec, whole, context);
  if (entries.length === 0) throw new UserError(`${whole} has no parameters; expected at least one.`);

  const params: Param[] = [];
  const indexByName = new Map<string, number>();
  entries.forEach((raw, index) => {
    const param = parseParameter(raw, index, context);
    const earlier = indexByName.get(param.name);
    if (earlier !== undefined) {
      throw paramError(context, param.name, index, `repeats the name of the parameter at index ${earlier}`);
    }
    indexByName.set(param.name, index);
    params.push(param);
  });
  if (params.every((p) => p.type === 'constant')) {
    throw new UserError(`${whole} has only constant parameters; at least one float, int or categorical parameter is needed.`);
  }
  return params;
}

/** Turns the array form or the map form into a list of raw parameter objects. */
function toEntries(spec: unknown, whole: string, context: string): unknown[] {
  if (Array.isArray(spec)) return spec;
  if (!isPlainObject(spec)) {
    throw new UserError(
      `${whole} must be a list of parameters or a map from parameter names to parameters, got ${describe(spec)}.`,
    );
  }
  return Object.entries(spec).map(([key, value], index) => {
    if (!isPlainObject(value)) {
      throw paramError(context, key, index, `must be an object with a 'type' field, got ${describe(value)}`);
    }
    if ('name' in value && value.name !== key) {
      throw paramError(context, key, index, `has name ${show(value.name)} but is listed under the key '${key}'`);
    }
    return { name: key, ...value };
  });
}

function parseParameter(raw: unknown, index: number, context: string): Param {
  if (!isPlainObject(raw)) {
    throw paramError(context, undefined, index, `must be an object with 'name' and 'type' fields, got ${describe(raw)}`);
  }
  const paramName = typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name : undefined;
  if (paramName === undefined) {
    const got = raw.name === undefined ? 'none' : show(raw.name);
    throw paramError(context, undefined, index, `needs a non-empty string 'name', got ${got}`);
  }
  const types = PARAM_TYPES.join(', ');
  if (raw.type === undefined) throw paramError(context, paramName, index, `is missing 'type' (one of ${types})`);
  if (typeof raw.type !== 'string' || !(PARAM_TYPES as readonly string[]).includes(raw.type)) {
    throw paramError(context, paramName, index, `has unknown type ${show(raw.type)}; expected one of ${types}`);
  }
  const type = raw.type as ParamType;
  const result = SCHEMAS[type].safeParse(raw);
  if (!result.success) throw paramError(context, paramName, index, describeIssue(result.error.issues[0], raw, type));
  return normalise(result.data);
}

/** Fills the optional fields (log, sampler) and freezes the parameter. */
function normalise(p: z.infer<(typeof SCHEMAS)[ParamType]>): Param {
  switch (p.type) {
    case 'float':
    case 'int': {
      const log = p.log ?? false;
      const sampler = p.sampler ?? (log ? 'loguniform' : 'uniform');
      return Object.freeze({ name: p.name, type: p.type, low: p.low, high: p.high, log, sampler });
    }
    case 'categorical':
      return Object.freeze({ name: p.name, type: p.type, choices: Object.freeze([...p.choices]) });
    case 'constant':
      return Object.freeze({ name: p.name, type: p.type, value: p.value });
  }
}

/** Rewrites a zod issue as a sentence fragment, reading the offending value from the raw input. */
function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>, type: ParamType): string {
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(SCHEMAS[type].shape).join(', ');
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${keys} (allowed: ${allowed})`;
  }
  if (issue.code === 'too_small' && issue.path[0] === 'choices') return `needs at least one entry in 'choices'`;
  // Paths are a field, or choices[k]: render them as written in the file.
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('');
  const value = valueAt(raw, issue.path);
  if (value === undefined) return `is missing '${field}' (expected ${expectedFor(issue.path)})`;
  return `has ${field} = ${show(value)}, expected ${expectedFor(issue.path)}`;
}

/** Plain-words expectation for a field of any parameter kind. */
function expectedFor(path: readonly PropertyKey[]): string {
  const [head, sub] = path;
  switch (head) {
    case 'low':
    case 'high':
      return 'a finite number';
    case 'log':
      return 'true or false';
    case 'sampler':
      return `one of ${SAMPLER_NAMES.join(', ')}`;
    case 'choices':
      return sub === undefined ? 'a list of strings, numbers or booleans' : 'a string, a finite number or a boolean';
    case 'value':
      return 'a string, a finite number or a boolean';
    default:
      return 'a valid value';
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * One-sentence error about one parameter: "In <context>, parameter 'name' (index i) <fragment>."
 * @param context what holds the parameter, e.g. "search space exp1.yaml" or "the given point".
 */
export function paramError(context: string, paramName: string | undefined, index: number, fragment: string): UserError {
  const who = paramName === undefined ? `the parameter at index ${index}` : `parameter '${paramName}' (index ${index})`;
  return new UserError(`In ${context}, ${who} ${fragment}.`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Short rendering of a user value inside a message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `the ${typeof v} ${show(v)}`;
}
