/**
 * Every figure of a study, in reading order; figures that do not apply (no trust region for random search, no
 * constraints, nothing finished yet) are left out.
 */
import type { StudyData } from '../data.js';
import type { Figure } from '../render.js';
import type { Layout } from './common.js';
import { bestOverEvaluationsFigure, bestOverTimeFigure } from './best-so-far.js';
import { computeShareFigure } from './compute-share.js';
import { constraintFigures } from './constraints.js';
import { importanceFigure } from './importance.js';
import { parallelFigure } from './parallel.js';
import { timelineFigure } from './timeline.js';
import { trustRegionFigure } from './trust-region.js';

export type { Layout } from './common.js';

export function buildFigures(data: StudyData, layout: Layout = 'wide'): Figure[] {
  const figures = [
    timelineFigure(data, layout),
    computeShareFigure(data, layout),
    bestOverEvaluationsFigure(data, layout),
    bestOverTimeFigure(data, layout),
    trustRegionFigure(data, layout),
    ...constraintFigures(data, layout),
    parallelFigure(data, layout),
    importanceFigure(data, layout),
  ];
  return figures.filter((f): f is Figure => f !== null);
}
