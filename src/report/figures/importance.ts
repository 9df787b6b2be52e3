/**
 * Hyperparameter importance, "fANOVA-lite": for each parameter, the share of the objective's variance explained
 * by the parameter alone (the correlation ratio eta^2 = between-bin variance / total variance), with numeric values
 * cut into equal-count quantile bins and choices taken as they are. It sees first-order (main) effects only, no
 * interactions, and is biased upwards on few points: with k bins and n points, a parameter with no effect still
 * scores about (k - 1) / (n - 1), drawn as the "chance" marker.
 */
import type { StudyData } from '../data.js';
import type { Figure } from '../render.js';
import { figureWidth, LEGEND, TITLE_STYLE, withObjective, type Layout } from './common.js';
import { searchedParams } from './parallel.js';

export interface Importance {
  name: string;
  /** Between-bin share of the objective's variance, in [0, 1]. */
  eta2: number;
  /** What eta2 would be on average for a parameter without effect (k - 1) / (n - 1). */
  chance: number;
  bins: number;
}

/** Default number of quantile bins for numeric parameters. */
export const IMPORTANCE_BINS = 8;

/** Bin index of each value: categories by value, numbers by rank into `bins` equal-count bins (ties kept together). */
export function quantileBins(values: (number | string | boolean)[], bins: number): number[] {
  if (values.some((v) => typeof v !== 'number')) {
    const ids = new Map<string, number>();
    return values.map((v) => {
      const key = String(v);
      if (!ids.has(key)) ids.set(key, ids.size);
      return ids.get(key)!;
    });
  }
  const order = values.map((v, i) => [v as number, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  let bin = 0;
  for (let r = 0; r < order.length; r++) {
    // A tie shares the bin of its first occurrence, so equal values are never split.
    if (r > 0 && order[r][0] !== order[r - 1][0]) bin = Math.floor((r * bins) / order.length);
    out[order[r][1]] = bin;
  }
  return out;
}

/** Importance of every searched parameter on the points with an objective, most important first. */
export function importances(data: StudyData, bins = IMPORTANCE_BINS): Importance[] {
  const trials = withObjective(data);
  const n = trials.length;
  if (n < 3) return [];
  const y = trials.map((t) => t.objective!);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const total = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  return searchedParams(data)
    .map((p) => {
      const bin = quantileBins(trials.map((t) => t.params[p.name]), bins);
      const sums = new Map<number, { s: number; c: number }>();
      bin.forEach((b, i) => {
        const e = sums.get(b) ?? { s: 0, c: 0 };
        e.s += y[i];
        e.c += 1;
        sums.set(b, e);
      });
      let between = 0;
      for (const { s, c } of sums.values()) between += c * (s / c - mean) ** 2;
      const k = sums.size;
      return { name: p.name, eta2: total > 0 ? between / total : 0, chance: (k - 1) / (n - 1), bins: k };
    })
    .sort((a, b) => b.eta2 - a.eta2);
}

export function importanceFigure(data: StudyData, layout: Layout): Figure | null {
  const imp = importances(data);
  if (imp.length === 0) return null;
  return {
    id: 'importance',
    title: 'Hyperparameter importance',
    caption:
      'Share of the objective variance explained by each hyperparameter alone (eta², quantile bins; main effects only, no interactions). ' +
      'Bars near the grey chance mark carry no evidence of an effect.',
    width: figureWidth(layout),
    height: Math.max(200, 70 + imp.length * 20),
    option: {
      title: { text: 'Hyperparameter importance (variance share)', textStyle: TITLE_STYLE, left: 8, top: 4 },
      legend: LEGEND,
      grid: { left: layout === 'narrow' ? 90 : 130, right: 30, top: 56, bottom: 30 },
      xAxis: { type: 'value', min: 0, max: (v: { max: number }) => Math.min(1, Math.ceil(v.max * 10 + 0.5) / 10) },
      yAxis: { type: 'category', inverse: true, data: imp.map((i) => i.name), axisLabel: { fontSize: 10 } },
      series: [
        { type: 'bar', name: 'eta²', barWidth: '60%', itemStyle: { color: '#21918c' }, data: imp.map((i) => Number(i.eta2.toFixed(4))) },
        { type: 'scatter', name: 'chance', symbol: 'rect', symbolSize: [3, 14], itemStyle: { color: '#666' }, data: imp.map((i) => Number(i.chance.toFixed(4))) },
      ],
    },
  };
}
