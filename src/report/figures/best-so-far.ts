/**
 * Best feasible objective so far, over evaluations (every result as a dot) and over wall time.
 */
import { better, finishedInOrder, type StudyData, type TrialPoint } from '../data.js';
import type { Figure } from '../render.js';
import { STATE_COLORS } from '../colors.js';
import { AXIS_NAME_STYLE, figureWidth, LEGEND, objectiveAxis, timeUnit, TITLE_STYLE, type Layout } from './common.js';

/** The running best feasible objective after each result, in arrival order (null before the first feasible one). */
export function bestSoFar(data: StudyData, trials: TrialPoint[] = finishedInOrder(data)): (number | null)[] {
  let best: number | null = null;
  return trials.map((t) => {
    if (t.feasible === true && t.objective !== null && t.state !== 'failed' && (best === null || better(data.direction, t.objective, best))) best = t.objective;
    return best;
  });
}

export function bestOverEvaluationsFigure(data: StudyData, layout: Layout): Figure | null {
  const order = finishedInOrder(data);
  if (order.length === 0) return null;
  const best = bestSoFar(data, order);
  const dots = (keep: (t: TrialPoint) => boolean) =>
    order.flatMap((t, i) => (keep(t) && t.objective !== null ? [[i + 1, t.objective, t.id]] : []));
  return {
    id: 'best-evaluations',
    title: 'Best objective over evaluations',
    caption: 'Every result in the order it arrived (blue feasible, light grey infeasible, red stopped early) and the best feasible objective so far (line).',
    width: figureWidth(layout),
    height: 300,
    option: {
      title: { text: 'Best feasible objective over evaluations', textStyle: TITLE_STYLE, left: 8, top: 4 },
      legend: LEGEND,
      grid: { left: 72, right: 20, top: 64, bottom: 44 },
      xAxis: { type: 'value', name: 'evaluations finished', nameLocation: 'middle', nameGap: 26, nameTextStyle: AXIS_NAME_STYLE, min: 0, max: order.length },
      yAxis: objectiveAxis(data),
      series: [
        { type: 'scatter', name: 'feasible', symbolSize: 4, itemStyle: { color: STATE_COLORS.complete, opacity: 0.6 }, data: dots((t) => t.feasible === true && t.state === 'complete') },
        { type: 'scatter', name: 'infeasible', symbolSize: 4, itemStyle: { color: '#bbbbbb', opacity: 0.7 }, data: dots((t) => t.feasible === false && t.state === 'complete') },
        { type: 'scatter', name: 'stopped early', symbolSize: 4, itemStyle: { color: STATE_COLORS['stopped-early'], opacity: 0.6 }, data: dots((t) => t.state === 'stopped-early') },
        { type: 'line', name: 'best so far', step: 'end', showSymbol: false, lineStyle: { width: 2, color: '#111' }, itemStyle: { color: '#111' }, data: best.map((b, i) => [i + 1, b]).filter((p) => p[1] !== null) },
      ],
    },
  };
}

export function bestOverTimeFigure(data: StudyData, layout: Layout): Figure | null {
  const order = finishedInOrder(data).filter((t) => t.end !== null);
  const best = bestSoFar(data, order);
  const points = order.flatMap((t, i) => (best[i] === null ? [] : [[t.end!, best[i]!]]));
  if (points.length === 0) return null;
  const unit = timeUnit(data.span);
  // Carry the best value to the newest time recorded, so that a plateau is visible as one.
  points.push([data.span, points[points.length - 1][1]]);
  return {
    id: 'best-time',
    title: 'Best objective over wall time',
    caption: 'Best feasible objective so far against the wall time since the study began.',
    width: figureWidth(layout),
    height: 280,
    option: {
      title: { text: 'Best feasible objective over wall time', textStyle: TITLE_STYLE, left: 8, top: 4 },
      grid: { left: 72, right: 20, top: 40, bottom: 44 },
      xAxis: { type: 'value', name: `time since study start (${unit.label})`, nameLocation: 'middle', nameGap: 26, nameTextStyle: AXIS_NAME_STYLE, min: 0, max: Math.max(data.span / unit.divisor, 1e-9) },
      yAxis: objectiveAxis(data),
      series: [
        {
          type: 'line',
          step: 'end',
          showSymbol: false,
          lineStyle: { width: 2, color: '#2b6cb0' },
          areaStyle: { color: 'rgba(43,108,176,0.08)', origin: 'start' },
          data: points.map(([t, v]) => [t / unit.divisor, v]),
        },
      ],
    },
  };
}
