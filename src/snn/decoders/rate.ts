/**
 * Rate decoders over label assignments (spec A6):
 * - `all` (BindsNET `all_activity`): score_c = mean count of the neurons assigned to c;
 * - `vote` (`proportion_weighting`): score_c = Σ_{j assigned to c} proportion[j,c]·count_j / #assigned to c.
 * Each keeps its own assignment state, as the reference does.
 */
import { LabelAssignment } from './assignment.js';
import { argmaxLowest, type Decoder, type SampleSpikes } from './decoder.js';

abstract class AssignmentDecoder implements Decoder {
  abstract readonly name: string;
  readonly assignment: LabelAssignment;
  protected readonly scores: Float64Array;
  protected readonly assigned: Float64Array;

  constructor(nNeurons: number, nClasses: number) {
    this.assignment = new LabelAssignment(nNeurons, nClasses);
    this.scores = new Float64Array(nClasses);
    this.assigned = new Float64Array(nClasses);
  }

  update(chunk: readonly SampleSpikes[], labels: ArrayLike<number>): void {
    this.assignment.update(chunk, labels);
    this.assigned.fill(0);
    for (const a of this.assignment.assignments) if (a >= 0) this.assigned[a]++;
  }

  predict(sample: SampleSpikes): number {
    const { assignments } = this.assignment;
    const s = this.scores;
    s.fill(0);
    const counts = sample.counts;
    for (let j = 0; j < assignments.length; j++) {
      const a = assignments[j];
      if (a >= 0 && counts[j] !== 0) s[a] += this.weight(j, a) * counts[j];
    }
    for (let c = 0; c < s.length; c++) s[c] = this.assigned[c] > 0 ? s[c] / this.assigned[c] : 0;
    return argmaxLowest(s);
  }

  protected abstract weight(j: number, c: number): number;
}

/** BindsNET `all_activity`. */
export class AllActivityDecoder extends AssignmentDecoder {
  readonly name = 'all';
  protected weight(): number {
    return 1;
  }
}

/** BindsNET `proportion_weighting` ("vote"). */
export class ProportionWeightingDecoder extends AssignmentDecoder {
  readonly name = 'vote';
  protected weight(j: number, c: number): number {
    return this.assignment.proportions[j * this.assignment.nClasses + c];
  }
}
