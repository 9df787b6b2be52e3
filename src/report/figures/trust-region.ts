/**
 * SCBO's trust-region length after each optimizer call, on a log scale, with its restarts marked (a restart sends
 * the region back to its initial length after a new random design).
 */
import type { StudyData } from '../data.js';
import type { Figure } from '../render.js';
import { AXIS_NAME_STYLE, figureWidth, fmt, timeUnit, TITLE_STYLE, type Layout } from './common.js';

/** Times (seconds since the start) of the calls after which the restart count went up. */
export function restartTimes(data: StudyData): number[] {
  const times: number[] = [];
  let last: number | null = null;
  for (const s of data.steps) {
    if (s.restartCount === null) continue;
    if (last !== null && s.restartCount > last) times.push(s.time);
    last = s.restartCount;
  }
  return times;
}

export function trustRegionFigure(data: StudyData, layout: Layout): Figure | null {
  const steps = data.steps.filter((s) => s.trustRegionLength !== null);
  if (steps.length === 0) return null; // not SCBO, or no region yet (still in the initial design)
  const unit = timeUnit(data.span);
  const restarts = restartTimes(data);
  return {
    id: 'trust-region',
    title: 'Trust-region length',
    caption: 'Length of the trust region after each optimizer call (log scale): it doubles after successes, halves after failures, and restarts (red lines) once it falls below its minimum.',
    width: figureWidth(layout),
    height: 280,
    option: {
      title: { text: 'Trust-region length over time', textStyle: TITLE_STYLE, left: 8, top: 4 },
      grid: { left: 80, right: 24, top: 40, bottom: 44 },
      xAxis: { type: 'value', name: `time since study start (${unit.label})`, nameLocation: 'middle', nameGap: 26, nameTextStyle: AXIS_NAME_STYLE, min: 0, max: Math.max(data.span / unit.divisor, 1e-9) },
      yAxis: { type: 'log', logBase: 2, name: 'length (unit cube)', nameLocation: 'middle', nameRotate: 90, nameGap: 48, nameTextStyle: AXIS_NAME_STYLE, axisLabel: { formatter: (v: number) => fmt(v) } },
      series: [
        {
          type: 'line',
          step: 'end',
          symbolSize: 4,
          lineStyle: { width: 2, color: '#6b46c1' },
          itemStyle: { color: '#6b46c1' },
          data: steps.map((s) => [s.time / unit.divisor, s.trustRegionLength]),
          markLine: {
            symbol: 'none',
            silent: true,
            lineStyle: { color: '#d64541', type: 'dashed', width: 1.5 },
            label: { formatter: 'restart', fontSize: 10, color: '#d64541' },
            data: restarts.map((t) => ({ xAxis: t / unit.divisor })),
          },
        },
      ],
    },
  };
}
