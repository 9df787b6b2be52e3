/**
 * The evaluation timeline (the paper's Fig. 7): each evaluation is a horizontal line from its start to its end on
 * the worker that ran it, coloured by its objective; stopped (silent) evaluations end in a red dot, failed ones
 * are grey with a cross, running ones dashed amber up to now.
 */
import type { StudyData } from '../data.js';
import type { Figure } from '../render.js';
import { STATE_COLORS } from '../colors.js';
import { AXIS_NAME_STYLE, figureWidth, objectiveVisualMap, timeUnit, TITLE_STYLE, type Layout } from './common.js';

const STATE_CODE = { complete: 0, 'stopped-early': 1, failed: 2, running: 3, queued: 4 } as const;

/** Natural order for worker names (thread-2 before thread-10). */
function byNaturalName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function timelineFigure(data: StudyData, layout: Layout): Figure | null {
  const shown = data.trials.filter((t) => t.start !== null && t.workerId !== null);
  if (shown.length === 0) return null;
  const workers = [...new Set(shown.map((t) => t.workerId!))].sort(byNaturalName);
  const lane = new Map(workers.map((w, i) => [w, i]));
  const unit = timeUnit(data.span);
  // [start, end, lane, objective, state code, id]; running trials end "now" (the newest time recorded).
  const rows = shown.map((t) => [
    t.start! / unit.divisor,
    (t.end ?? data.span) / unit.divisor,
    lane.get(t.workerId!)!,
    t.objective ?? NaN,
    STATE_CODE[t.state],
    t.id,
  ]);
  const width = figureWidth(layout);
  const height = Math.min(560, Math.max(220, 90 + workers.length * 22));
  return {
    id: 'timeline',
    title: 'Evaluation timeline',
    caption:
      'Each evaluation is a line from its start to its end on the worker that ran it, coloured by its objective. ' +
      'A red dot marks an evaluation stopped early (silent network), grey with a cross a failure, dashed amber one still running.',
    width,
    height,
    option: {
      title: { text: 'Evaluations per worker over time', textStyle: TITLE_STYLE, left: 8, top: 4 },
      grid: { left: layout === 'narrow' ? 70 : 90, right: 20, top: layout === 'narrow' ? 64 : 44, bottom: 44 },
      xAxis: { type: 'value', name: `time since study start (${unit.label})`, nameLocation: 'middle', nameGap: 26, nameTextStyle: AXIS_NAME_STYLE, min: 0, max: Math.max(data.span / unit.divisor, 1e-9) },
      yAxis: { type: 'category', data: workers, inverse: true, axisLabel: { fontSize: 10, width: layout === 'narrow' ? 60 : 80, overflow: 'truncate' } },
      visualMap: objectiveVisualMap(data, 3, 0, layout),
      series: [
        {
          type: 'custom',
          encode: { x: [0, 1], y: 2 },
          data: rows,
          renderItem: (_params: unknown, api: CustomApi) => {
            const from = api.coord([api.value(0), api.value(2)]);
            const to = api.coord([api.value(1), api.value(2)]);
            const state = api.value(4);
            const band = (api.size([0, 1]) as number[])[1];
            const lineWidth = Math.max(1.5, Math.min(8, band * 0.45));
            // Very short evaluations would vanish: give every line at least 2 px.
            const x2 = Math.max(to[0], from[0] + 2);
            const color =
              state === STATE_CODE.failed ? STATE_COLORS.failed : state === STATE_CODE.running ? STATE_COLORS.running : (api.visual('color') as string);
            const children: unknown[] = [
              {
                type: 'line',
                shape: { x1: from[0], y1: from[1], x2, y2: to[1] },
                style: { stroke: color, lineWidth, lineDash: state === STATE_CODE.running ? [4, 3] : null },
              },
            ];
            if (state === STATE_CODE['stopped-early']) {
              children.push({ type: 'circle', shape: { cx: x2, cy: to[1], r: Math.max(2, lineWidth * 0.6) }, style: { fill: STATE_COLORS['stopped-early'] } });
            } else if (state === STATE_CODE.failed) {
              const r = Math.max(2.5, lineWidth * 0.7);
              children.push({ type: 'polyline', shape: { points: [[x2 - r, to[1] - r], [x2 + r, to[1] + r]] }, style: { stroke: '#333', lineWidth: 1.2 } });
              children.push({ type: 'polyline', shape: { points: [[x2 - r, to[1] + r], [x2 + r, to[1] - r]] }, style: { stroke: '#333', lineWidth: 1.2 } });
            }
            return { type: 'group', children };
          },
        },
      ],
    },
  };
}

/** The part of ECharts' custom-series API this figure uses. */
interface CustomApi {
  value(dim: number): number;
  coord(point: number[]): number[];
  size(size: number[]): number[] | number;
  visual(name: string): unknown;
}
