/**
 * bench:report: time and size of `spikeopt report` on a 1,000-trial study, and the dashboard's latency from a
 * trial's result row being written to that trial appearing on the page in headless Chromium (Debian's chromium
 * through playwright-core). Writes bench/results/report.json.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStudy } from '../test/report/synthetic-study.js';
import { StudyStore } from '../src/storage/study-store.js';
import { writeReport } from '../src/report/report.js';
import { startDashboard } from '../src/dashboard/server.js';
import { launchChromium } from '../test/dashboard/browser.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'spikeopt-bench-report-'));

// 1. Report of a finished 1,000-trial study (8 workers, SCBO-like steps with restarts).
const big = join(dir, 'big', 'study.sqlite');
generateStudy(big, 1000, { workers: 8, seed: 11 });
const reportRuns = [];
for (let i = 0; i < 3; i++) reportRuns.push(writeReport(big, { out: join(dir, `report-${i}.html`) }));
const withFigures = writeReport(big, { out: join(dir, 'report-fig.html'), figuresDir: join(dir, 'figures') });
const figureBytes = withFigures.files.reduce((s, f) => s + statSync(f).size, 0);
console.log(`report: ${median(reportRuns.map((r) => r.seconds)).toFixed(2)} s, ${(reportRuns[0].bytes / 1024).toFixed(0)} KiB`);

// 2. Dashboard latency: a growing study (starting at 1,000 trials), one new result at a time.
const live = join(dir, 'live', 'study.sqlite');
generateStudy(live, 1000, { workers: 8, seed: 12 });
// Results are added to it through the storage API, as a master would.
const grow = StudyStore.open(live);
const dashboard = await startDashboard({ studyPath: live, pollMs: 200 });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.goto(dashboard.url);
await page.waitForSelector('#fig-timeline svg', { timeout: 30000 });
const latencies: number[] = [];
const figureLatencies: number[] = [];
let nextId = 1000;
for (let i = 0; i < 10; i++) {
  const id = nextId++;
  const figuresBefore = Number(await page.getAttribute('body', 'data-figures-version'));
  // Records in the page the wall-clock time the row for `id` shows up (same machine, same clock).
  // A string, not a function: tsx would add helper calls to a function that do not exist in the page.
  const seen = page.evaluate(`new Promise((resolve) => {
    const present = () => document.querySelector('#recent tr[data-trial="${id}"]') !== null;
    if (present()) return resolve(Date.now());
    new MutationObserver((m, obs) => { if (present()) { obs.disconnect(); resolve(Date.now()); } })
      .observe(document.getElementById('recent'), { childList: true, subtree: true });
  })`) as Promise<number>;
  await new Promise((r) => setTimeout(r, 150 + 97 * i)); // spread the writes over the poll period
  const written = writeTrial(id);
  const shown = await seen;
  latencies.push(shown - written);
  await page.waitForFunction((v) => Number(document.body.dataset.figuresVersion) > v, figuresBefore, { timeout: 30000 });
  figureLatencies.push(Date.now() - written);
}
await browser.close();
await dashboard.close();
grow.close();

/** Writes one finished trial (step, attempt, result) now; returns the time the result was committed. */
function writeTrial(id: number): number {
  const u = [0.5, 0.6, 0.5, 0.2, 0.3, 0.5];
  const params = { decoder: 'all', map_size: 1200, nu_pre: 1e-3, threshold: -60, epochs: 1, noise: 0.5 };
  grow.recordStep({ told: [], askCount: 1, pending: [], trials: [{ id, params, u, uEvaluated: u, seed: id, info: { phase: 'scbo', batchId: id, trustRegionLength: 0.2, successCount: 0, failureCount: 0, restartCount: 1, modelId: null } }], state: { restartCount: 1, trustRegion: { length: 0.2 } }, model: null, seconds: 0.1 });
  const attempt = grow.beginAttempt(id)!;
  const start = new Date(Date.now() - 60000).toISOString();
  grow.recordResult(id, { status: 'complete', objective: 0.8, constraints: [-0.05, -0.1], feasible: true, metrics: { stopped: false }, error: null, seconds: 60 }, { attempt, workerId: 'thread-1', host: 'bench', startedAt: start, finishedAt: new Date().toISOString() });
  return Date.now();
}

const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  report: {
    trials: 1000,
    medianSeconds: Number(median(reportRuns.map((r) => r.seconds)).toFixed(3)),
    runsSeconds: reportRuns.map((r) => Number(r.seconds.toFixed(3))),
    htmlBytes: reportRuns[0].bytes,
    figures: reportRuns[0].figures.length,
    withSvgAndPngSeconds: Number(withFigures.seconds.toFixed(3)),
    svgAndPngBytes: figureBytes,
  },
  dashboard: {
    trials: 1000,
    pollMs: 200,
    note: 'from the result row committed to the trial row present in the page (MutationObserver in headless Chromium); figures: to the re-rendered figures in the page',
    rowLatencyMs: { median: median(latencies), max: Math.max(...latencies), samples: latencies },
    figuresLatencyMs: { median: median(figureLatencies), max: Math.max(...figureLatencies) },
  },
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/report.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
