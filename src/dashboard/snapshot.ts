/**
 * What the dashboard page shows, built from one watched version of the study: the summary (counts, best trial,
 * trust region) and tables are cheap and go out at once; the figures are rendered to SVG afterwards and cached
 * per version and layout.
 */
import { finishedInOrder, rankedFeasible, type StudyData } from '../report/data.js';
import { buildFigures, type Layout } from '../report/figures/index.js';
import { renderSvg, responsiveSvg } from '../report/render.js';
import { trialView, type TrialRowView } from '../report/tables.js';
import { formatValue } from '../study/progress.js';

export interface Summary {
  version: number;
  name: string;
  direction: string;
  counts: Record<string, number>;
  total: number;
  finished: string | null;
  best: TrialRowView | null;
  trustRegion: string;
  restarts: number | null;
  span: number;
  recent: TrialRowView[];
  top: TrialRowView[];
}

export interface FigurePayload {
  version: number;
  layout: Layout;
  figures: { id: string; title: string; caption: string; svg: string }[];
}

/** The summary and tables of a version of the study. */
export function buildSummary(data: StudyData, version: number, recentCount = 12): Summary {
  const ranked = rankedFeasible(data);
  const lastStep = [...data.steps].reverse().find((s) => s.trustRegionLength !== null) ?? null;
  const recent = finishedInOrder(data).slice(-recentCount).reverse();
  return {
    version,
    name: data.study.name,
    direction: data.direction,
    counts: data.counts,
    total: data.trials.length,
    finished: data.study.finishedAt,
    best: ranked.length > 0 ? trialView(ranked[0], 1) : null,
    trustRegion: lastStep ? formatValue(lastStep.trustRegionLength) : '-',
    restarts: data.steps.at(-1)?.restartCount ?? null,
    span: data.span,
    recent: recent.map((t) => trialView(t, t.finishedSeq!)),
    top: ranked.slice(0, 5).map((t, i) => trialView(t, i + 1)),
  };
}

/** Renders every figure for one layout. */
export function buildFigurePayload(data: StudyData, version: number, layout: Layout): FigurePayload {
  return {
    version,
    layout,
    figures: buildFigures(data, layout).map((f) => ({ id: f.id, title: f.title, caption: f.caption, svg: responsiveSvg(renderSvg(f), f.title) })),
  };
}
