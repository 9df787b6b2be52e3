/**
 * Messages between a thread pool and its trial threads (same process, so structured clone, no validation needed).
 */
import type { ParamValue } from '../space/types.js';
import type { TrialOutcome } from '../study/evaluate.js';
import type { ObjectiveRef } from '../study/registry.js';

/** What a trial thread is started with. */
export interface TrialThreadData {
  objective: ObjectiveRef;
}

/** One trial to evaluate. */
export interface ThreadTask {
  trialId: number;
  attempt: number;
  seed: number;
  params: Record<string, ParamValue>;
}

export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; trialId: number; attempt: number; outcome: TrialOutcome; startedAt: string; finishedAt: string };
