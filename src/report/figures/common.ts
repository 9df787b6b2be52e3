/**
 * Pieces every figure builder shares: the page layout a figure is drawn for, time units, the objective's range and
 * the text styles.
 */
import type { StudyData, TrialPoint } from '../data.js';
import { OBJECTIVE_RAMP } from '../colors.js';

/** How wide the figures are drawn: `wide` for desktops and the report, `narrow` for phones. */
export type Layout = 'wide' | 'narrow';

export function figureWidth(layout: Layout): number {
  return layout === 'narrow' ? 420 : 760;
}

export const TITLE_STYLE = { fontSize: 14, fontWeight: 'bold' as const, color: '#222' };
export const AXIS_NAME_STYLE = { color: '#444', fontSize: 12 };

/** A time unit that keeps a span between readable numbers (seconds, minutes or hours). */
export function timeUnit(spanSeconds: number): { label: string; divisor: number } {
  if (spanSeconds >= 3 * 3600) return { label: 'h', divisor: 3600 };
  if (spanSeconds >= 180) return { label: 'min', divisor: 60 };
  return { label: 's', divisor: 1 };
}

/** Trials that produced an objective (every final state but failed). */
export function withObjective(data: StudyData): TrialPoint[] {
  return data.trials.filter((t) => t.objective !== null && t.state !== 'failed');
}

/** Smallest and largest objective seen (a unit range when there is none). */
export function objectiveRange(data: StudyData): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const t of withObjective(data)) {
    min = Math.min(min, t.objective!);
    max = Math.max(max, t.objective!);
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  if (min === max) return { min: min - 0.5, max: max + 0.5 };
  return { min, max };
}

/** Colours from min to max objective, so that better is always the bright end whatever the direction. */
export function rampByValue(data: StudyData): string[] {
  return data.direction === 'maximize' ? [...OBJECTIVE_RAMP] : [...OBJECTIVE_RAMP].reverse();
}

/**
 * A continuous colour legend for the objective (ECharts visualMap) mapping `dimension` of `seriesIndex`.
 */
export function objectiveVisualMap(data: StudyData, dimension: number, seriesIndex: number, layout: Layout): Record<string, unknown> {
  const { min, max } = objectiveRange(data);
  return {
    type: 'continuous',
    min,
    max,
    dimension,
    seriesIndex,
    calculable: false,
    orient: 'horizontal',
    right: 10,
    top: layout === 'narrow' ? 28 : 4,
    itemWidth: 10,
    itemHeight: layout === 'narrow' ? 90 : 140,
    text: [fmt(max), fmt(min)],
    textStyle: { fontSize: 10, color: '#444' },
    inRange: { color: rampByValue(data) },
  };
}

/** A number in a short form for axes and labels. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/**
 * Legend placement under the title. The gap is generous because ECharts measures text with its own estimate on
 * the server, which is narrower than DejaVu Sans as resvg and browsers draw it.
 */
export const LEGEND = { top: 28, left: 8, itemGap: 22, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 11 } };

/** A value axis for the objective, its name written along the axis so that it never meets the legend. */
export function objectiveAxis(data: StudyData): Record<string, unknown> {
  return {
    type: 'value',
    name: `objective (${data.direction === 'maximize' ? 'max' : 'min'})`,
    nameLocation: 'middle',
    nameRotate: 90,
    nameGap: 44,
    nameTextStyle: AXIS_NAME_STYLE,
    scale: true,
    // Keep the axis at the plot's edge: a scatter whose x range spans 0 would otherwise draw it through the data.
    axisLine: { onZero: false },
  };
}
