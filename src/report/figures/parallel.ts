/**
 * Parallel coordinates: one axis per searched hyperparameter (log axes for log-scaled ones, category axes for
 * choices) and a last one for the objective; one line per evaluated point, coloured by its objective.
 */
import { objectiveLabel, type StudyData } from '../data.js';
import type { Figure } from '../render.js';
import type { Param } from '../../space/types.js';
import { figureWidth, objectiveVisualMap, TITLE_STYLE, withObjective, type Layout } from './common.js';

/** The parameters that are dimensions of the search (constants left out). */
export function searchedParams(data: StudyData): Exclude<Param, { type: 'constant' }>[] {
  return data.space.filter((p): p is Exclude<Param, { type: 'constant' }> => p.type !== 'constant');
}

export function parallelFigure(data: StudyData, layout: Layout): Figure | null {
  const params = searchedParams(data);
  const trials = withObjective(data);
  if (params.length === 0 || trials.length === 0) return null;
  const narrow = layout === 'narrow';
  const axes = params.map((p, dim) => {
    const base = { dim, name: p.name, nameTextStyle: { fontSize: 10 }, nameRotate: params.length > 6 ? 30 : 0, axisLabel: { fontSize: 9 } };
    if (p.type === 'categorical') return { ...base, type: 'category', data: p.choices.map(String) };
    if (p.log) return { ...base, type: 'log', min: p.low, max: p.high };
    return { ...base, type: 'value', min: p.low, max: p.high };
  });
  axes.push({ dim: params.length, name: objectiveLabel(data), nameTextStyle: { fontSize: 10 }, nameRotate: 0, axisLabel: { fontSize: 9 }, type: 'value', min: undefined as never, max: undefined as never });
  const rows = trials.map((t) => [...params.map((p) => (p.type === 'categorical' ? String(t.params[p.name]) : t.params[p.name])), t.objective]);
  return {
    id: 'parallel',
    title: 'Parallel coordinates',
    caption: 'Each line is one evaluated point across the hyperparameter axes, ending at its objective; colour shows the objective (bright is better).',
    width: figureWidth(layout),
    height: narrow ? 340 : 380,
    option: {
      title: { text: 'Hyperparameters of every evaluated point', textStyle: TITLE_STYLE, left: 8, top: 4 },
      parallel: { left: narrow ? 30 : 50, right: narrow ? 40 : 70, top: narrow ? 90 : 80, bottom: 30 },
      parallelAxis: axes,
      visualMap: objectiveVisualMap(data, params.length, 0, layout),
      series: [{ type: 'parallel', lineStyle: { width: 1, opacity: trials.length > 300 ? 0.25 : 0.5 }, data: rows }],
    },
  };
}
