/**
 * `spikeopt report`: one self-contained HTML file (figures as inline SVG, the best trials, the study settings and
 * its config; no scripts, fonts or images fetched from anywhere) and, on request, every figure as SVG and PNG.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StudyStore } from '../storage/study-store.js';
import { loadStudyData, type StudyData } from './data.js';
import { buildFigures } from './figures/index.js';
import { calibrationTable, escapeHtml, settingsTable, STYLE, trialsTable } from './html.js';
import { renderSvg, responsiveSvg, svgToPng, type Figure } from './render.js';
import { bestTrials, calibrationTables, studySettings } from './tables.js';

export interface RenderedFigure {
  figure: Figure;
  svg: string;
}

/** Builds and renders every figure of a study. */
export function renderFigures(data: StudyData): RenderedFigure[] {
  return buildFigures(data, 'wide').map((figure) => ({ figure, svg: renderSvg(figure) }));
}

/** The report as one HTML document. */
export function reportHtml(data: StudyData, figures: RenderedFigure[], generatedAt = new Date()): string {
  const s = data.study;
  const figureBlocks = figures
    .map(
      ({ figure, svg }) =>
        `<figure id="fig-${figure.id}">${responsiveSvg(svg, figure.title)}<figcaption><b>${escapeHtml(figure.title)}.</b> ${escapeHtml(figure.caption)}</figcaption></figure>`,
    )
    .join('\n');
  const config = s.configSource ?? JSON.stringify(s.config, null, 2);
  const calibration = calibrationTables(data);
  const calibrationSection =
    calibration.length === 0
      ? ''
      : `<h2 id="silent-rule-thresholds">Silent-network rule: other thresholds</h2>
<p class="muted">The rule watched ${calibration[0].networks} completed networks without stopping them (<code>silentRule: watch</code>). From their spike histograms: what it would have flagged with other thresholds (the other criteria as they were), and the best objective among the networks it would have let through.</p>
${calibration.map(calibrationTable).join('\n')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>spikeopt report: ${escapeHtml(s.name)}</title><style>${STYLE}</style></head>
<body><header><h1>Study ${escapeHtml(s.name)}</h1>
<p class="muted">spikeopt report generated ${escapeHtml(generatedAt.toISOString())} from ${escapeHtml(s.id)}; ${data.trials.length} trials.</p></header>
<main>
<h2>Best trials</h2>
${trialsTable(bestTrials(data, 10), 'best-trials')}
<h2>Figures</h2>
<div class="figures">
${figureBlocks}
</div>
${calibrationSection}
<h2>Study settings</h2>
${settingsTable(studySettings(data))}
<h2>Configuration</h2>
<pre>${escapeHtml(config)}</pre>
</main></body></html>
`;
}

export interface ReportOptions {
  /** HTML file to write. */
  out: string;
  /** Folder for one SVG and one PNG per figure, when wanted. */
  figuresDir?: string;
  /** PNG scale factor (default 2: sharp on high-density screens). */
  pngScale?: number;
}

export interface ReportSummary {
  out: string;
  bytes: number;
  figures: string[];
  files: string[];
  seconds: number;
}

/** Writes the report of the study stored at `studyPath` (a study.sqlite file). */
export function writeReport(studyPath: string, options: ReportOptions): ReportSummary {
  const started = performance.now();
  const store = StudyStore.open(studyPath);
  let data: StudyData;
  try {
    data = loadStudyData(store);
  } finally {
    store.close();
  }
  const figures = renderFigures(data);
  const html = reportHtml(data, figures);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, html);
  const files: string[] = [];
  if (options.figuresDir !== undefined) {
    mkdirSync(options.figuresDir, { recursive: true });
    for (const { figure, svg } of figures) {
      const base = join(options.figuresDir, figure.id);
      writeFileSync(`${base}.svg`, svg);
      writeFileSync(`${base}.png`, svgToPng(svg, options.pngScale ?? 2));
      files.push(`${base}.svg`, `${base}.png`);
    }
  }
  return {
    out: options.out,
    bytes: Buffer.byteLength(html),
    figures: figures.map((f) => f.figure.id),
    files,
    seconds: (performance.now() - started) / 1000,
  };
}
