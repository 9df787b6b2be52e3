/**
 * The study's numbers in rows: its settings and its best trials, shared by the HTML report and the dashboard.
 */
import { formatSeconds } from '../study/duration.js';
import { formatValue } from '../study/progress.js';
import { rankedFeasible, type StudyData, type TrialPoint } from './data.js';
import { SPIKE_HISTOGRAM_BINS, thresholdCalibration, type CalibrationRow, type StopCriterion } from '../experiments/early-stopping.js';

/** One row of the best-trials table. */
export interface TrialRowView {
  rank: number;
  id: number;
  objective: string;
  state: string;
  constraints: string;
  seconds: string;
  params: [string, string][];
}

function paramText(v: unknown): string {
  return typeof v === 'number' ? formatValue(v) : String(v);
}

export function trialView(t: TrialPoint, rank: number): TrialRowView {
  return {
    rank,
    id: t.id,
    objective: t.state === 'failed' ? 'failed' : t.objective === null ? 'not measured' : formatValue(t.objective),
    state: t.state,
    constraints: t.constraints === null ? '-' : t.constraints.map((c) => formatValue(c)).join(', '),
    seconds: t.seconds === null ? '-' : formatSeconds(t.seconds),
    params: Object.entries(t.params).map(([k, v]) => [k, paramText(v)]),
  };
}

/** The `limit` best feasible trials, best first. */
export function bestTrials(data: StudyData, limit = 10): TrialRowView[] {
  return rankedFeasible(data)
    .slice(0, limit)
    .map((t, i) => trialView(t, i + 1));
}

/** The study's settings as label/value pairs (what it optimises, how, with what budget). */
export function studySettings(data: StudyData): [string, string][] {
  const s = data.study;
  const c = (s.config ?? {}) as {
    scale?: string | null;
    notes?: string[];
    objective?: { name?: string; module?: string; kind?: string };
    optimizer?: { name?: string; preset?: string; batchSize?: number; initialSize?: number };
    budget?: { evaluations?: number | null; wallSeconds?: number | null; workerHours?: number | null };
    execution?: { mode?: string; workers?: number | string };
  };
  const budget = [
    c.budget?.evaluations != null ? `${c.budget.evaluations} evaluations` : null,
    c.budget?.wallSeconds != null ? `${formatSeconds(c.budget.wallSeconds)} wall time` : null,
    c.budget?.workerHours != null ? `${c.budget.workerHours} worker-hours` : null,
  ].filter((x) => x !== null);
  const rows: [string, string][] = [
    ['study', `${s.name} (${s.id})`],
    ['objective', `${c.objective?.name ?? c.objective?.module ?? JSON.stringify(s.objective)} (${s.direction})`],
    ['search space', `${data.space.length} parameters: ${data.space.map((p) => p.name).join(', ')}`],
    ['optimizer', [c.optimizer?.name, c.optimizer?.preset ? `preset ${c.optimizer.preset}` : null, c.optimizer?.batchSize ? `batch ${c.optimizer.batchSize}` : null, c.optimizer?.initialSize ? `initial design ${c.optimizer.initialSize}` : null].filter(Boolean).join(', ')],
    ['budget', budget.length > 0 ? budget.join(', ') : '-'],
    ['execution', [c.execution?.mode, c.execution?.workers !== undefined ? `${c.execution.workers} workers` : null].filter(Boolean).join(', ')],
    ['seed', String(s.seed)],
    ...(c.scale ? [['scale', c.scale] as [string, string]] : []),
    ...(c.notes ?? []).map((n): [string, string] => ['note', n]),
    ['created', s.createdAt],
    ['finished', s.finishedAt ?? 'not finished'],
    ['trials', Object.entries(data.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'],
    ['evaluation time', `${formatSeconds(data.workerSeconds)} of worker time over ${formatSeconds(data.span)} of wall time`],
    ['spikeopt', s.spikeoptVersion],
  ];
  return rows;
}

/** What the watching rule would have flagged with other thresholds of one criterion (watch-mode studies). */
export interface CalibrationTable {
  criterion: StopCriterion;
  /** Completed trials whose metrics carry the watching rule's spike histograms. */
  networks: number;
  rows: CalibrationRow[];
}

/** Thresholds tried for each criterion in the calibration tables. */
export const CALIBRATION_THRESHOLDS = [1, 2, 3, 4, 5, 6, 8, 10];

/**
 * One table per criterion of the watching rule: networks flagged and the best objective let through at each of
 * {@link CALIBRATION_THRESHOLDS}, the other criteria as they were. Empty unless the study watched (`silentRule:
 * watch`), and when a criterion's own threshold is beyond what the histograms can judge (above 31 spikes).
 */
export function calibrationTables(data: StudyData): CalibrationTable[] {
  const networks = data.trials
    .filter((t) => t.state === 'complete' && t.watched !== null)
    .map((t) => ({ objective: t.objective, watched: t.watched! }));
  if (networks.length === 0 || networks[0].watched.criteria.some((c) => c.threshold >= SPIKE_HISTOGRAM_BINS)) return [];
  return networks[0].watched.criteria.map((criterion, i) => ({
    criterion,
    networks: networks.length,
    rows: thresholdCalibration(networks, i, CALIBRATION_THRESHOLDS, data.direction),
  }));
}
