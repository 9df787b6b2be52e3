/**
 * Constrained Thompson sampling selection (spec scbo.md §7): given q joint posterior samples of the objective and
 * of every constraint over the candidates, pick q distinct candidates, one per sample.
 */

/**
 * perSample: each sample picks its best feasible candidate, or its least-violating one when it has none
 * (BoTorch after PR #2034; our default). global: the 2023 BoTorch the paper used, which switches to the
 * violation rule only when no (sample, candidate) pair is feasible at all.
 */
export type ThompsonRule = 'perSample' | 'global';

export interface ThompsonInput {
  /** Objective samples, sample-major: objective[s*m + i]. Larger is better. */
  objective: Float64Array;
  /** One sample matrix per constraint, same layout; feasible when <= 0. */
  constraints: Float64Array[];
  /** Number of candidates. */
  m: number;
  /** Number of samples (= points to pick). */
  samples: number;
  rule: ThompsonRule;
  /** Candidates that may not be picked (1 = excluded), e.g. duplicates of running points. Mutated. */
  excluded?: Uint8Array;
  /**
   * Optional duplicate groups: candidates that decode to the same configuration share a group id, and picking
   * one excludes the whole group (no two proposals of a batch are the same configuration).
   */
  groups?: Int32Array;
}

/** Returns the indices picked, in sample order (fewer than `samples` only if every candidate got excluded). */
export function selectConstrainedThompson(input: ThompsonInput): number[] {
  const { objective, constraints, m, samples, rule } = input;
  const excluded = input.excluded ?? new Uint8Array(m);
  const groupMembers = input.groups ? membersByGroup(input.groups) : null;
  const anyFeasibleAnywhere = rule === 'global' ? hasAnyFeasible(constraints, m * samples) : false;
  const chosen: number[] = [];

  for (let s = 0; s < samples; s++) {
    const offset = s * m;
    let sampleHasFeasible = false;
    if (rule === 'perSample') {
      for (let i = 0; i < m && !sampleHasFeasible; i++) {
        if (!excluded[i] && feasibleAt(constraints, offset + i)) sampleHasFeasible = true;
      }
    } else {
      sampleHasFeasible = anyFeasibleAnywhere;
    }
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < m; i++) {
      if (excluded[i]) continue;
      let score: number;
      if (sampleHasFeasible) {
        score = feasibleAt(constraints, offset + i) ? objective[offset + i] : -Infinity;
      } else {
        score = -violationAt(constraints, offset + i);
      }
      // The first allowed candidate stands even at -Infinity: the paper's rule picks an arbitrary one then.
      if (best < 0 || score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best < 0) break;
    chosen.push(best);
    excluded[best] = 1;
    if (groupMembers && input.groups) for (const j of groupMembers.get(input.groups[best]) ?? []) excluded[j] = 1;
  }
  return chosen;
}

function feasibleAt(constraints: Float64Array[], index: number): boolean {
  for (const c of constraints) if (!(c[index] <= 0)) return false;
  return true;
}

function violationAt(constraints: Float64Array[], index: number): number {
  let v = 0;
  for (const c of constraints) if (c[index] > 0) v += c[index];
  return v;
}

function hasAnyFeasible(constraints: Float64Array[], total: number): boolean {
  for (let index = 0; index < total; index++) if (feasibleAt(constraints, index)) return true;
  return false;
}

function membersByGroup(groups: Int32Array): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const list = map.get(groups[i]);
    if (list) list.push(i);
    else map.set(groups[i], [i]);
  }
  return map;
}
