/**
 * Opening a study's SQLite file with the settings every spikeopt process shares: WAL journaling (readers such as
 * `spikeopt status` never block the master), a busy timeout, foreign keys, and the schema migrated to the current
 * version.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../util/errors.js';
import { migrate } from './migrations.js';

export type SqliteDatabase = Database.Database;

/** File name of the study database inside a study folder. */
export const STUDY_FILE = 'study.sqlite';

/**
 * How hard a commit is made durable. `normal` (default): in WAL mode a commit survives the death of any process
 * (kill -9 included) but the last commits may be lost on power failure; `full` also survives power failure at
 * the cost of one fsync per commit.
 */
export type SyncMode = 'normal' | 'full';

export interface OpenOptions {
  /** Create the file (and its folder) when missing; otherwise a missing file is an error. */
  create?: boolean;
  synchronous?: SyncMode;
}

/**
 * Resolves what a user gave as a study (a `.sqlite` file or a folder holding `study.sqlite`) to the database path.
 * @throws UserError when neither exists.
 */
export function resolveStudyPath(given: string): string {
  const path = resolve(given);
  if (existsSync(path) && statSync(path).isDirectory()) {
    const inside = join(path, STUDY_FILE);
    if (!existsSync(inside)) throw new UserError(`Folder ${given} holds no study (no ${STUDY_FILE} in it).`);
    return inside;
  }
  if (!existsSync(path)) throw new UserError(`Study ${given} does not exist (expected a study folder or its ${STUDY_FILE} file).`);
  return path;
}

/** Opens (and migrates) a study database. */
export function openDatabase(path: string, options: OpenOptions = {}): SqliteDatabase {
  if (!options.create && !existsSync(path)) throw new UserError(`Study database ${path} does not exist.`);
  if (options.create) mkdirSync(dirname(path), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(path, { fileMustExist: !options.create });
  } catch (err) {
    throw new UserError(`Study database ${path} could not be opened: ${(err as Error).message}.`);
  }
  try {
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, path);
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    throw new UserError(`Study database ${path} could not be opened: ${(err as Error).message}.`);
  }
  return db;
}
