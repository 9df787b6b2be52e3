/**
 * Starting a worker thread on one of our modules. Built code (dist/*.js) starts directly; when spikeopt runs from
 * its TypeScript sources (tests, benchmarks, `node --import tsx`) or a thread must import a user's `.ts` module,
 * the thread first registers tsx's loader, because loader hooks of the parent are not inherited by threads.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { UserError } from '../util/errors.js';

const TS_FILE = /\.(c|m)?ts$/i;

/** Whether a file needs a TypeScript loader to be imported. */
export function isTypeScriptFile(path: string): boolean {
  return TS_FILE.test(path);
}

/**
 * Starts a thread running `entry` (a URL of one of our modules).
 * @param needsTypeScript also register the TypeScript loader (the thread will import a user's .ts module).
 */
export function spawnThread(entry: URL, options: WorkerOptions, needsTypeScript = false): Worker {
  if (!isTypeScriptFile(entry.pathname) && !needsTypeScript) return new Worker(entry, options);
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch {
    throw new UserError('Running TypeScript modules in worker threads needs the tsx package; compile the module to JavaScript or install tsx.');
  }
  // A CommonJS eval script may use dynamic import(); both specifiers are absolute URLs.
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** URL of a sibling module of `base`, with the extension `base` itself has (.ts from sources, .js when built). */
export function siblingModule(base: string, name: string): URL {
  const extension = isTypeScriptFile(new URL(base).pathname) ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, base);
}
