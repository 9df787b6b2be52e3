/**
 * A study as the figures see it: read once from the study database through the storage API, with every time
 * turned into seconds since the study began, so that each figure builder is a pure function of this snapshot.
 */
import type { StudyStore } from '../storage/study-store.js';
import type { StudyInfo, TrialRow, TrialState } from '../storage/types.js';
import type { Param } from '../space/types.js';
import type { WatchedRule } from '../experiments/early-stopping.js';

/** One trial, reduced to what the figures and tables use. */
export interface TrialPoint {
  id: number;
  state: TrialState;
  params: TrialRow['params'];
  objective: number | null;
  constraints: number[] | null;
  feasible: boolean | null;
  /** Seconds since the study began; null when the trial never started. */
  start: number | null;
  /** Seconds since the study began; null until final. */
  end: number | null;
  /** Worker-seconds spent on its final attempt (evaluation time, or end - start when unknown). */
  seconds: number | null;
  workerId: string | null;
  /** Arrival order of its result (1, 2, ...); null until final. */
  finishedSeq: number | null;
  phase: string;
  error: string | null;
  /** What a watching silent-network rule saw (`silentRule: 'watch'`, with spike histograms); null otherwise. */
  watched: WatchedRule | null;
}

/** One optimizer call with the trust region it left behind. */
export interface StepPoint {
  step: number;
  /** Seconds since the study began. */
  time: number;
  trustRegionLength: number | null;
  restartCount: number | null;
}

export interface StudyData {
  study: StudyInfo;
  /** The normalised search space (SearchSpace.toJSON()). */
  space: Param[];
  direction: 'minimize' | 'maximize';
  /** Wall-clock origin of every time in here (ms since the epoch): the study's creation. */
  origin: number;
  /** Seconds from the origin to the newest thing recorded (the figures' time span). */
  span: number;
  trials: TrialPoint[];
  steps: StepPoint[];
  counts: Record<TrialState, number>;
  /** Summed seconds of all ended attempts, lost ones included (from the attempts table). */
  workerSeconds: number;
}

/** The watching rule's record in a trial's metrics, when it has the criteria and spike histograms. */
function watchedRule(metrics: Record<string, unknown> | null): WatchedRule | null {
  const w = metrics?.watched as Partial<WatchedRule> | null | undefined;
  return w && Array.isArray(w.criteria) && w.spikeHistograms && typeof w.spikeHistograms === 'object' ? (w as WatchedRule) : null;
}

const seconds = (iso: string | null, origin: number): number | null => (iso === null ? null : (Date.parse(iso) - origin) / 1000);

/** Reads a study's trials, optimizer journal and counts (one consistent read inside a transaction). */
export function loadStudyData(store: StudyStore): StudyData {
  return store.atomically(() => {
    const study = store.study();
    const origin = Date.parse(study.createdAt);
    const trials = store.trials().map((t): TrialPoint => {
      const start = seconds(t.startedAt, origin);
      const end = seconds(t.finishedAt, origin);
      return {
        id: t.id,
        state: t.state,
        params: t.params,
        objective: t.objective,
        constraints: t.constraints,
        feasible: t.feasible,
        start,
        end,
        seconds: t.evalSeconds ?? (start !== null && end !== null ? end - start : null),
        workerId: t.workerId,
        finishedSeq: t.finishedSeq,
        phase: t.info.phase,
        error: t.error,
        watched: watchedRule(t.metrics),
      };
    });
    const steps = store.steps().map((s): StepPoint => {
      const state = (s.state ?? null) as { restartCount?: unknown; trustRegion?: { length?: unknown } | null } | null;
      return {
        step: s.step,
        time: seconds(s.createdAt, origin)!,
        trustRegionLength: typeof state?.trustRegion?.length === 'number' ? state.trustRegion.length : null,
        restartCount: typeof state?.restartCount === 'number' ? state.restartCount : null,
      };
    });
    let span = 0;
    for (const t of trials) span = Math.max(span, t.end ?? t.start ?? 0);
    for (const s of steps) span = Math.max(span, s.time);
    return {
      study,
      space: study.space as Param[],
      direction: study.direction,
      origin,
      span,
      trials,
      steps,
      counts: store.countsByState(),
      workerSeconds: store.workerSeconds(),
    };
  });
}

/** True when `a` is better than `b` in the study's direction. */
export function better(direction: StudyData['direction'], a: number, b: number): boolean {
  return direction === 'maximize' ? a > b : a < b;
}

/** Final trials with a usable objective, in the order their results arrived. */
export function finishedInOrder(data: StudyData): TrialPoint[] {
  return data.trials.filter((t) => t.finishedSeq !== null).sort((a, b) => a.finishedSeq! - b.finishedSeq!);
}

/** Feasible trials with an objective, best first (ties by id). */
export function rankedFeasible(data: StudyData): TrialPoint[] {
  const sign = data.direction === 'maximize' ? -1 : 1;
  return data.trials
    .filter((t) => t.feasible === true && t.objective !== null && t.state !== 'failed')
    .sort((a, b) => sign * (a.objective! - b.objective!) || a.id - b.id);
}

/** The name a figure gives the objective ("objective (max)"). */
export function objectiveLabel(data: StudyData): string {
  return `objective (${data.direction === 'maximize' ? 'max' : 'min'})`;
}
