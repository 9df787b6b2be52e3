/**
 * The share of trials and of compute spent on evaluations stopped early versus fully trained ones (the paper's
 * Fig. 3: "73 % of the networks were stopped, but they used only 36 % of the GPU hours").
 */
import type { StudyData } from '../data.js';
import type { Figure } from '../render.js';
import { STATE_COLORS } from '../colors.js';
import { figureWidth, LEGEND, TITLE_STYLE, type Layout } from './common.js';

const GROUPS = [
  { state: 'complete', label: 'fully trained' },
  { state: 'stopped-early', label: 'stopped early' },
  { state: 'failed', label: 'failed' },
] as const;

export interface ComputeShare {
  label: string;
  count: number;
  seconds: number;
}

/** Trials and evaluation seconds of the final trials, per outcome. */
export function computeShares(data: StudyData): ComputeShare[] {
  return GROUPS.map((g) => {
    const trials = data.trials.filter((t) => t.state === g.state);
    return { label: g.label, count: trials.length, seconds: trials.reduce((s, t) => s + (t.seconds ?? 0), 0) };
  });
}

export function computeShareFigure(data: StudyData, layout: Layout): Figure | null {
  const shares = computeShares(data);
  const totalCount = shares.reduce((s, g) => s + g.count, 0);
  const totalSeconds = shares.reduce((s, g) => s + g.seconds, 0);
  if (totalCount === 0) return null;
  const pct = (v: number, total: number) => (total > 0 ? (100 * v) / total : 0);
  return {
    id: 'compute-share',
    title: 'Stopped versus fully trained',
    caption:
      'Share of the finished evaluations (top bar) and of the evaluation time they used (bottom bar) by outcome: ' +
      'stopping silent networks early pays off when their share of time is much smaller than their share of evaluations.',
    width: figureWidth(layout),
    height: 230,
    option: {
      title: { text: 'Share of evaluations and of compute', textStyle: TITLE_STYLE, left: 8, top: 4 },
      legend: LEGEND,
      grid: { left: 110, right: 24, top: 64, bottom: 30 },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %' } },
      yAxis: { type: 'category', inverse: true, data: [`evaluations (${totalCount})`, `time (${formatHours(totalSeconds)})`], axisLabel: { fontSize: 11 } },
      series: shares.map((g, i) => ({
        type: 'bar',
        name: g.label,
        stack: 'share',
        barWidth: '55%',
        itemStyle: { color: STATE_COLORS[GROUPS[i].state] },
        label: { show: true, fontSize: 11, color: '#fff', formatter: (p: { value: number }) => (p.value >= 8 ? `${p.value.toFixed(1)} %` : '') },
        data: [pct(g.count, totalCount), pct(g.seconds, totalSeconds)],
      })),
    },
  };
}

function formatHours(seconds: number): string {
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${seconds.toPrecision(3)} s`;
}
