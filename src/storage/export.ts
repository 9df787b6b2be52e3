/**
 * Study exports: our CSV (one row per trial, every column), a JSON document of the whole study, and the
 * reference's `all_evaluations.csv` layout (ThomasFirmin/hpo_snn, written by Zellij's MPI loss function) so that
 * the reference's analysis scripts and plots read our studies.
 */
import { flatten, PYTHON_SPELLING, toCsv, unionKeys } from './csv.js';
import type { StudyStore } from './study-store.js';
import { isFinal, type TrialRow } from './types.js';

export const EXPORT_FORMATS = ['csv', 'json', 'reference-csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Trust-region minimum length of the study's SCBO settings: a proposal below it was made with a restart pending. */
  lengthMin?: number;
}

/** Renders the study in a format, as the text of a file. */
export function exportStudy(store: StudyStore, format: ExportFormat, options: ExportOptions = {}): string {
  switch (format) {
    case 'csv':
      return exportCsv(store);
    case 'json':
      return exportJson(store);
    case 'reference-csv':
      return exportReferenceCsv(store, options);
  }
}

function parameterNames(store: StudyStore): string[] {
  const space = store.study().space as { name: string }[];
  return space.map((p) => p.name);
}

function constraintColumns(trials: readonly TrialRow[], known: number | null): string[] {
  const m = known ?? Math.max(0, ...trials.map((t) => t.constraints?.length ?? 0));
  return Array.from({ length: m }, (_, j) => `constraint_${j}`);
}

/** Our CSV: identity, outcome, constraints, parameters, execution and optimizer info, then flattened metrics. */
function exportCsv(store: StudyStore): string {
  const trials = store.trials();
  const names = parameterNames(store);
  const constraints = constraintColumns(trials, store.study().constraintCount);
  const metrics = trials.map((t) => (t.metrics ? flatten(t.metrics, 'metrics') : {}));
  const metricColumns = unionKeys(metrics);
  const columns = [
    'id',
    'finished_seq',
    'state',
    'objective',
    'feasible',
    ...constraints,
    ...names,
    'stopped',
    'train_seconds',
    'validation_seconds',
    'error',
    'attempts',
    'worker_id',
    'host',
    'asked_at',
    'started_at',
    'finished_at',
    'eval_seconds',
    'seed',
    'phase',
    'step',
    'batch_id',
    'trust_region_length',
    'success_count',
    'failure_count',
    'restart_count',
    'model_id',
    'told_step',
    'u',
    ...metricColumns,
  ];
  const rows = trials.map((t, i) => ({
    id: t.id,
    finished_seq: t.finishedSeq,
    state: t.state,
    objective: t.objective,
    feasible: t.feasible,
    ...Object.fromEntries(constraints.map((c, j) => [c, t.constraints?.[j] ?? null])),
    ...t.params,
    stopped: t.stopped,
    train_seconds: t.trainSeconds,
    validation_seconds: t.validationSeconds,
    error: t.error,
    attempts: t.attempts,
    worker_id: t.workerId,
    host: t.host,
    asked_at: t.askedAt,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
    eval_seconds: t.evalSeconds,
    seed: t.seed,
    phase: t.info.phase,
    step: t.step,
    batch_id: t.info.batchId,
    trust_region_length: t.info.trustRegionLength,
    success_count: t.info.successCount,
    failure_count: t.info.failureCount,
    restart_count: t.info.restartCount,
    model_id: t.info.modelId,
    told_step: t.toldStep,
    u: JSON.stringify(t.u),
    ...metrics[i],
  }));
  return toCsv(columns, rows);
}

/** Everything in the database, as one JSON document. */
function exportJson(store: StudyStore): string {
  const document = {
    study: store.study(),
    counts: store.countsByState(),
    trials: store.trials(),
    attempts: store.attempts(),
    steps: store.steps(),
    models: store.models(),
    workers: store.workers(),
    sessions: store.sessions(),
    events: store.events(Number.MAX_SAFE_INTEGER),
  };
  return JSON.stringify(document, null, 2) + '\n';
}

/** Zellij's algorithm names for our proposal phases. */
const ALGORITHM: Record<string, string> = {
  init: 'InitSCBO',
  'restart-init': 'InitSCBO',
  'add-init': 'AddInitSCBO',
  scbo: 'SCBO',
  'failed-fit': 'SCBO',
  random: 'Random',
  sobol: 'Sobol',
};

/**
 * The reference's `all_evaluations.csv`: hyperparameters in space order, then the objective's outputs (our
 * metrics, flattened), `constraint_i`, and Zellij's bookkeeping columns: objective (the minimised loss, i.e. the
 * negated value of a maximised objective), eval_time, start_time / end_time (seconds since the study began),
 * start_date / end_date, iteration (optimizer call, from 0), algorithm, length (1.0 for random phases), trestart
 * (a restart was pending), model (-1 when no model proposed the point). One row per final trial, in the order
 * results arrived; Python spellings (None, True, False).
 */
function exportReferenceCsv(store: StudyStore, options: ExportOptions): string {
  const study = store.study();
  const trials = store
    .trials()
    .filter((t) => isFinal(t.state))
    .sort((a, b) => (a.finishedSeq ?? 0) - (b.finishedSeq ?? 0));
  const names = parameterNames(store);
  const constraints = constraintColumns(trials, study.constraintCount);
  const metrics = trials.map((t) => (t.metrics ? flatten(t.metrics, '') : {}));
  const metricColumns = unionKeys(metrics).filter((k) => !names.includes(k) && !constraints.includes(k));
  const tail = ['objective', 'eval_time', 'start_time', 'end_time', 'start_date', 'end_date', 'iteration', 'algorithm', 'length', 'trestart', 'model'];
  const origin = Date.parse(store.sessions()[0]?.startedAt ?? study.createdAt);
  const sign = study.direction === 'maximize' ? -1 : 1;
  const seconds = (iso: string | null) => (iso === null ? null : (Date.parse(iso) - origin) / 1000);
  const rows = trials.map((t, i) => {
    const random = t.info.phase !== 'scbo';
    const length = random ? 1.0 : t.info.trustRegionLength;
    return {
      ...t.params,
      ...metrics[i],
      ...Object.fromEntries(constraints.map((c, j) => [c, t.constraints?.[j] ?? null])),
      objective: t.objective === null ? null : sign * t.objective,
      eval_time: t.evalSeconds,
      start_time: seconds(t.startedAt),
      end_time: seconds(t.finishedAt),
      start_date: pythonDate(t.startedAt),
      end_date: pythonDate(t.finishedAt),
      iteration: t.step - 1,
      algorithm: ALGORITHM[t.info.phase] ?? t.info.phase,
      length: length === null ? null : formatFloat(length),
      trestart: length !== null && options.lengthMin !== undefined && !random ? length < options.lengthMin : false,
      model: t.info.modelId ?? -1,
    };
  });
  return toCsv([...names, ...metricColumns, ...constraints, ...tail], rows, PYTHON_SPELLING);
}

/** `2023-10-12 06:24:33` (UTC), as Python's str(datetime) without microseconds. */
function pythonDate(iso: string | null): string | null {
  return iso === null ? null : iso.slice(0, 19).replace('T', ' ');
}

/** Python prints a whole float as `1.0`. */
function formatFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}
