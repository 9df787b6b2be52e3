/**
 * Rebuilding the optimizer of a study from its journal. Every optimizer call was journaled with the trial ids it
 * was told (in order), the pending trial ids it was shown and the number of points asked; the trials table holds
 * their values, which never change once final. Replaying the calls in order on a fresh optimizer built with the
 * study's seed and settings reproduces its state exactly. The replay also checks that each call proposes what it
 * proposed the first time; a difference (other code or platform) is reported: the optimizer then still holds all
 * the data and the same trust-region history, only its random stream differs.
 */
import type { StudyStore } from '../storage/study-store.js';
import type { TrialRow } from '../storage/types.js';
import { toObservation, toPending } from '../execute/observations.js';
import type { ReplayStep } from '../execute/optimizer-protocol.js';
import type { Direction } from './objective.js';

/** The journal as calls to replay, oldest first. */
export function replaySteps(store: StudyStore, direction: Direction): ReplayStep[] {
  const trials = new Map<number, TrialRow>(store.trials().map((t) => [t.id, t]));
  const get = (id: number): TrialRow => {
    const t = trials.get(id);
    if (!t) throw new Error(`journal names trial ${id}, which the study does not hold`);
    return t;
  };
  return store.steps().map((s) => ({
    told: s.told.map((id) => toObservation(get(id), direction)),
    askCount: s.askCount,
    pending: s.pending.map((id) => toPending(get(id))),
    expected: s.proposed.map((id) => ({ id, u: get(id).u })),
  }));
}
