/**
 * JSON as stored in the study database. Typed arrays become plain arrays and non-finite numbers become the strings
 * "Infinity", "-Infinity" and "NaN" (plain JSON would turn them into null, and an incumbent of -Infinity is a
 * real optimizer state, not a missing value).
 */

/** Serialises a value for a JSON column. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, Number);
    return v;
  });
}

/** Parses a JSON column (non-finite numbers stay strings). */
export function fromJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/**
 * A structured-clone-safe, JSON-shaped copy of what an objective returned as metrics: typed arrays as arrays,
 * functions and symbols dropped. Throws on cycles (JSON.stringify does).
 */
export function plainJson(value: unknown): unknown {
  return JSON.parse(toJson(value)) as unknown;
}
