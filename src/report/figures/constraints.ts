/**
 * Objective versus each constraint (the paper's "accuracy vs constraint" plots): one scatter per constraint, with
 * the feasibility boundary c = 0 drawn; a point is feasible when every constraint is <= 0.
 */
import type { StudyData } from '../data.js';
import type { Figure } from '../render.js';
import { STATE_COLORS } from '../colors.js';
import { AXIS_NAME_STYLE, figureWidth, LEGEND, objectiveAxis, TITLE_STYLE, type Layout } from './common.js';

/** Number of constraints recorded (the longest constraint vector seen). */
export function constraintCount(data: StudyData): number {
  return data.trials.reduce((m, t) => Math.max(m, t.constraints?.length ?? 0), 0);
}

export function constraintFigures(data: StudyData, layout: Layout): Figure[] {
  const m = constraintCount(data);
  const usable = data.trials.filter((t) => t.objective !== null && t.constraints !== null && t.state !== 'failed');
  const figures: Figure[] = [];
  for (let i = 0; i < m; i++) {
    const point = (keep: (t: (typeof usable)[number]) => boolean) =>
      usable.filter((t) => keep(t) && Number.isFinite(t.constraints![i])).map((t) => [t.constraints![i], t.objective, t.id]);
    figures.push({
      id: `objective-vs-c${i}`,
      title: `Objective versus constraint ${i}`,
      caption: `Objective against constraint c${i} for every evaluated point; the dashed line is c${i} = 0 (feasible to its left). Red: stopped early.`,
      width: figureWidth(layout),
      height: 280,
      option: {
        title: { text: `Objective versus constraint c${i}`, textStyle: TITLE_STYLE, left: 8, top: 4 },
        legend: LEGEND,
        grid: { left: 72, right: 24, top: 64, bottom: 44 },
        xAxis: { type: 'value', name: `c${i}`, nameLocation: 'middle', nameGap: 26, nameTextStyle: AXIS_NAME_STYLE, scale: true },
        yAxis: objectiveAxis(data),
        series: [
          {
            type: 'scatter',
            name: 'feasible',
            symbolSize: 5,
            itemStyle: { color: STATE_COLORS.complete, opacity: 0.65 },
            data: point((t) => t.feasible === true && t.state !== 'stopped-early'),
            markLine: { symbol: 'none', silent: true, lineStyle: { color: '#333', type: 'dashed' }, label: { formatter: `c${i} = 0`, fontSize: 10 }, data: [{ xAxis: 0 }] },
          },
          { type: 'scatter', name: 'infeasible', symbolSize: 5, itemStyle: { color: '#999999', opacity: 0.6 }, data: point((t) => t.feasible !== true && t.state !== 'stopped-early') },
          { type: 'scatter', name: 'stopped early', symbolSize: 5, itemStyle: { color: STATE_COLORS['stopped-early'], opacity: 0.6 }, data: point((t) => t.state === 'stopped-early') },
        ],
      },
    });
  }
  return figures;
}
