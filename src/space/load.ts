/**
 * Reading a search-space file (.yaml, .yml or .json) into plain data; validation is schema.ts's job.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../util/errors.js';

/**
 * Reads and parses a search-space file.
 * @throws UserError naming the file when it cannot be read, has another extension, is empty or does not parse.
 */
export function readSpaceFile(path: string): unknown {
  const ext = extname(path).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new UserError(`Search space file ${path} must end in .yaml, .yml or .json.`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : firstLine(err);
    throw new UserError(`Search space file ${path} could not be read: ${why}.`);
  }
  if (text.trim() === '') throw new UserError(`Search space file ${path} is empty; expected a list of parameters.`);
  const format = ext === '.json' ? 'JSON' : 'YAML';
  let data: unknown;
  try {
    data = format === 'JSON' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UserError(`Search space file ${path} is not valid ${format}: ${firstLine(err)}.`);
  }
  // A YAML file of comments only parses to null.
  if (data === null || data === undefined) throw new UserError(`Search space file ${path} is empty; expected a list of parameters.`);
  return data;
}

/** The first line of an error's message, without a trailing full stop (messages here are one sentence). */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0].trim().replace(/[.:]$/, '');
}
