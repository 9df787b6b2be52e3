/**
 * CSV writing (RFC 4180 quoting) and the flattening of nested records into columns.
 */

/** How values without a natural text form are spelled. */
export interface CsvSpelling {
  /** Text for null / undefined (empty for ours, "None" for the reference's pandas-written files). */
  missing: string;
  true: string;
  false: string;
}

export const PLAIN_SPELLING: CsvSpelling = { missing: '', true: 'true', false: 'false' };
/** The reference's files were written from Python: None, True, False. */
export const PYTHON_SPELLING: CsvSpelling = { missing: 'None', true: 'True', false: 'False' };

/** One CSV field: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: unknown, spelling: CsvSpelling = PLAIN_SPELLING): string {
  let text: string;
  if (value === null || value === undefined) text = spelling.missing;
  else if (typeof value === 'boolean') text = value ? spelling.true : spelling.false;
  else if (typeof value === 'number' || typeof value === 'string') text = String(value);
  else text = JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: header then one line per row, each row read by column name. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[], spelling: CsvSpelling = PLAIN_SPELLING): string {
  const lines = [columns.map((c) => csvField(c, spelling)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c], spelling)).join(','));
  return lines.join('\n') + '\n';
}

/**
 * Flattens nested objects into dotted keys and arrays into `_i` suffixes (`spikes.layer1`, `accuracy_0`), in the
 * order keys are first met. Scalars stay as they are.
 */
export function flatten(value: unknown, prefix: string, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${prefix}_${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = value;
  }
  return out;
}

/** Union of the keys of many records, in first-seen order. */
export function unionKeys(records: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}
