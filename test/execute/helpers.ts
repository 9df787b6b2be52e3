/**
 * Test harness for the execution tests: temporary study folders, spikeopt child processes (killed at the end
 * even when a test fails), and a real redis-server on a free loopback port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { StudyStore } from '../../src/storage/study-store.js';
import type { TrialRow } from '../../src/storage/types.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURES = join(ROOT, 'test', 'execute', 'fixtures');

export function tempDir(prefix = 'spikeopt-exec-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a study config (as YAML) into `dir` and returns its path; the study is stored in dir/studies/NAME. */
export function writeStudy(dir: string, config: Record<string, unknown>, file = 'study.yaml'): string {
  const path = join(dir, file);
  writeFileSync(path, stringify({ storage: { path: join('studies', String(config.name)) }, ...config }));
  return path;
}

/** A spikeopt process started from the sources, with its output collected. */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

const children = new Set<ChildProcess>();
// Also when a test file ends without running its after() hooks (an uncaught error, the runner's timeout).
process.on('exit', () => killChildren());

/** Runs `spikeopt ARGS` as a child process (from the TypeScript sources). */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<number | string>((resolveExit) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolveExit(code ?? signal ?? 'unknown');
    }),
  );
  return { child, output: () => text, exited };
}

/** Kills every child process this file started that is still alive (call from after()). */
export function killChildren(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

/** Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Reads a study's trials (opening and closing the database each time, as another process would). */
export function readTrials(dbPath: string): TrialRow[] {
  const store = StudyStore.open(dbPath);
  try {
    return store.trials();
  } finally {
    store.close();
  }
}

/** Looks inside a study with a short-lived connection. */
export function withStore<T>(dbPath: string, f: (store: StudyStore) => T): T {
  const store = StudyStore.open(dbPath);
  try {
    return f(store);
  } finally {
    store.close();
  }
}

/** Final trials as comparable records (value fields only). */
export function finalSnapshot(trials: TrialRow[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const t of trials) {
    if (t.state === 'complete' || t.state === 'stopped-early' || t.state === 'failed') {
      out.set(t.id, JSON.stringify([t.state, t.params, t.u, t.objective, t.constraints, t.metrics, t.finishedAt, t.workerId]));
    }
  }
  return out;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A redis-server child process on 127.0.0.1. */
export interface RedisServer {
  port: number;
  password: string;
  /** Broker URL with the password. */
  url: string;
  kill9(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a free loopback port, with a password and no persistence.
 * @throws Error with a clear message when redis-server is not installed (the distributed tests then fail).
 */
export async function startRedis(): Promise<RedisServer> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed: the distributed execution tests need a real Redis (Debian: apt-get install -y redis-server; .ci/run installs it)',
    );
  }
  const port = await freePort();
  const password = 'test-secret-pw';
  let child: ChildProcess | null = null;
  const launch = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--requirepass', password], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(c);
    let log = '';
    c.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    c.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    c.on('exit', () => children.delete(c));
    await waitFor(() => /Ready to accept connections/.test(log) || c.exitCode !== null, 10_000, `redis-server on port ${port}`);
    if (c.exitCode !== null) throw new Error(`redis-server exited at start: ${log}`);
    child = c;
  };
  const kill = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await gone;
  };
  await launch();
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}`,
    kill9: () => kill('SIGKILL'),
    restart: launch,
    stop: () => kill('SIGTERM'),
  };
}
