/**
 * The study database schema, as an ordered list of migrations. `PRAGMA user_version` holds the version a file is
 * at; opening a file applies the missing migrations in one transaction each, so a file is never left half-migrated.
 * A file written by a newer spikeopt is refused rather than misread.
 *
 * To change the schema, append a migration; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';
import { UserError } from '../util/errors.js';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** Version 1: the study, its trials and attempts, the optimizer journal and models, workers, sessions, events. */
const v1: Migration = {
  version: 1,
  description: 'initial schema',
  up(db) {
    db.exec(`
      -- One row: what the study is. config is the normalised study configuration (JSON), config_source the YAML text.
      CREATE TABLE study (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        config TEXT NOT NULL,
        config_source TEXT,
        space TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
        objective TEXT NOT NULL,
        seed INTEGER NOT NULL,
        constraint_count INTEGER,
        spikeopt_version TEXT NOT NULL,
        finished_at TEXT
      );

      -- One row per master process that ran the study (run or resume); last_seen is its heartbeat.
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        ended_at TEXT,
        end_reason TEXT
      );

      -- The optimizer journal: one row per ask/tell call, enough to replay it (told and pending trial ids in order).
      CREATE TABLE steps (
        step INTEGER PRIMARY KEY,
        told TEXT NOT NULL,
        ask_count INTEGER NOT NULL,
        pending TEXT NOT NULL,
        proposed TEXT NOT NULL,
        state TEXT,
        model_id INTEGER,
        seconds REAL NOT NULL,
        created_at TEXT NOT NULL
      );

      -- Fitted surrogate models (GP hyperparameters) by model id.
      CREATE TABLE models (
        model_id INTEGER PRIMARY KEY,
        step INTEGER NOT NULL REFERENCES steps (step),
        hyperparameters TEXT NOT NULL,
        training_points INTEGER,
        fit_seconds REAL,
        select_seconds REAL,
        created_at TEXT NOT NULL
      );

      -- One row per proposed point. id is the optimizer's proposal id.
      CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'complete', 'stopped-early', 'failed')),
        params TEXT NOT NULL,
        u TEXT NOT NULL,
        u_evaluated TEXT NOT NULL,
        seed INTEGER NOT NULL,
        objective REAL,
        constraints TEXT,
        feasible INTEGER,
        metrics TEXT,
        stopped INTEGER,
        stop_info TEXT,
        train_seconds REAL,
        validation_seconds REAL,
        spike_counts TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        worker_id TEXT,
        host TEXT,
        asked_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        eval_seconds REAL,
        finished_seq INTEGER UNIQUE,
        phase TEXT NOT NULL,
        batch_id INTEGER NOT NULL,
        step INTEGER NOT NULL REFERENCES steps (step),
        trust_region_length REAL,
        success_count INTEGER,
        failure_count INTEGER,
        restart_count INTEGER,
        model_id INTEGER,
        told_step INTEGER REFERENCES steps (step)
      );
      CREATE INDEX trials_state ON trials (state);

      -- One row per attempt to run a trial: who ran it and how it ended (lost when the worker or master died).
      CREATE TABLE attempts (
        trial_id INTEGER NOT NULL REFERENCES trials (id),
        attempt INTEGER NOT NULL,
        worker_id TEXT,
        host TEXT,
        dispatched_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        outcome TEXT CHECK (outcome IN ('complete', 'stopped-early', 'failed', 'timeout', 'lost', 'cancelled')),
        reason TEXT,
        PRIMARY KEY (trial_id, attempt)
      );

      -- Workers seen by the master: local threads and remote worker processes, with their last heartbeat.
      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('thread', 'remote')),
        host TEXT NOT NULL,
        pid INTEGER,
        first_seen TEXT NOT NULL,
        last_heartbeat TEXT NOT NULL,
        current_trial INTEGER,
        trials_done INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL
      );

      -- Notable happenings in words (losses, requeues, resumes, replay), for status and post-mortems.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        trial_id INTEGER,
        message TEXT NOT NULL
      );
    `);
  },
};

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [v1];

/** The version a freshly migrated file is at. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings a database to the latest version of `migrations`.
 * @throws UserError when the file is newer than this code.
 */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations[migrations.length - 1].version;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new UserError(
      `Study database ${path} has schema version ${current}, newer than this spikeopt understands (${latest}); upgrade spikeopt to open it.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // IMMEDIATE takes the write lock first, and the version is read again under it: another process opening the
    // same new file (a master creating the study while `status` or the dashboard polls it) may have applied this
    // migration since `current` was read.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      m.up(db);
      // PRAGMA does not take parameters; the version is an integer from our own list.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
