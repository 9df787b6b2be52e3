/**
 * Checking a point given in user space (a config file's starting point, a replayed log row) against a space.
 */
import { UserError } from '../util/errors.js';
import { paramError, show } from './schema.js';
import type { Param, ParamValue } from './types.js';

/**
 * Returns the complete point (constants filled in) or throws a UserError naming the offending parameter.
 * @param context what the point is, for messages (e.g. "the starting point in study.yaml").
 * @param faithful accept high + 1 for linear integers (the reference's decoding quirk, system.md Q8).
 */
export function checkPoint(
  params: readonly Param[],
  values: unknown,
  faithful: boolean,
  context = 'the given point',
): Record<string, ParamValue> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new UserError(`${capitalise(context)} must be an object mapping parameter names to values, got ${show(values)}.`);
  }
  const given = values as Record<string, unknown>;
  const known = new Set(params.map((p) => p.name));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new UserError(`${capitalise(context)} has the unknown parameter '${key}'; the space has ${[...known].join(', ')}.`);
    }
  }
  const out: Record<string, ParamValue> = {};
  params.forEach((p, index) => {
    const v = given[p.name];
    if (v === undefined && p.type !== 'constant') {
      throw paramError(context, p.name, index, 'is missing');
    }
    const problem = v === undefined ? null : valueProblem(p, v, faithful);
    if (problem) throw paramError(context, p.name, index, `${problem}, got ${show(v)}`);
    out[p.name] = p.type === 'constant' ? p.value : (v as ParamValue);
  });
  return out;
}

/** What is wrong with `v` as a value of `p` (a fragment like "must be ..."), or null if it is valid. */
function valueProblem(p: Param, v: unknown, faithful: boolean): string | null {
  switch (p.type) {
    case 'float':
      return typeof v === 'number' && v >= p.low && v <= p.high ? null : `must be a number in [${p.low}, ${p.high}]`;
    case 'int': {
      const high = faithful && !p.log ? p.high + 1 : p.high;
      return Number.isInteger(v) && (v as number) >= p.low && (v as number) <= high
        ? null
        : `must be an integer in [${p.low}, ${high}]`;
    }
    case 'categorical':
      return p.choices.includes(v as ParamValue) ? null : `must be one of ${p.choices.map(show).join(', ')}`;
    case 'constant':
      return v === p.value ? null : `is the constant ${show(p.value)} and cannot take another value`;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
