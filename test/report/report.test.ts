import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStudy } from './synthetic-study.js';
import { reportHtml, writeReport } from '../../src/report/report.js';
import { CALIBRATION_THRESHOLDS, calibrationTables } from '../../src/report/tables.js';
import { SPIKE_HISTOGRAM_BINS } from '../../src/experiments/early-stopping.js';
import { loadStudyData, rankedFeasible } from '../../src/report/data.js';
import { importances, quantileBins } from '../../src/report/figures/importance.js';
import { bestSoFar } from '../../src/report/figures/best-so-far.js';
import { restartTimes } from '../../src/report/figures/trust-region.js';
import { computeShares } from '../../src/report/figures/compute-share.js';
import { StudyStore } from '../../src/storage/study-store.js';
import { buildProgram } from '../../src/cli/main.js';
import { UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-report-'));
const studyPath = join(dir, 'study', 'study.sqlite');
generateStudy(studyPath, 160, { workers: 4, seed: 7 });

function data() {
  const store = StudyStore.open(studyPath);
  try {
    return loadStudyData(store);
  } finally {
    store.close();
  }
}

test('the report is one self-contained HTML file with every figure, the best trials and the settings', () => {
  const out = join(dir, 'out', 'report.html');
  const figuresDir = join(dir, 'figs');
  const summary = writeReport(studyPath, { out, figuresDir });
  const html = readFileSync(out, 'utf8');
  const expected = ['timeline', 'compute-share', 'best-evaluations', 'best-time', 'trust-region', 'objective-vs-c0', 'objective-vs-c1', 'parallel', 'importance'];
  assert.deepEqual(summary.figures, expected);
  for (const id of expected) {
    assert.match(html, new RegExp(`<figure id="fig-${id}"><svg `), `figure ${id} inline`);
    const png = readFileSync(join(figuresDir, `${id}.png`));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${id}.png is a PNG`);
    assert.match(readFileSync(join(figuresDir, `${id}.svg`), 'utf8'), /^<svg [^>]*viewBox=/);
  }
  // Nothing fetched from elsewhere: no scripts, stylesheets or images by address.
  assert.doesNotMatch(html, /<script|<link|<img|src="http|href="http|url\(http/);
  const best = rankedFeasible(data())[0];
  const bestRow = new RegExp(`<tr data-trial="${best.id}" class="state-complete"><td>1</td><td>${best.id}</td>`);
  assert.match(html, bestRow, 'best trial first in the table');
  assert.match(html, /synthetic-stdp/);
  assert.match(html, /preset paper, batch 8/);
});

test('figure data: running best never gets worse, restarts are found, compute shares add up', () => {
  const d = data();
  const best = bestSoFar(d).filter((b): b is number => b !== null);
  for (let i = 1; i < best.length; i++) assert.ok(best[i] >= best[i - 1]);
  assert.equal(best.at(-1), rankedFeasible(d)[0].objective);
  const restarts = restartTimes(d);
  const lastRestartCount = d.steps.at(-1)!.restartCount!;
  assert.equal(restarts.length, lastRestartCount);
  const shares = computeShares(d);
  assert.equal(shares.reduce((s, g) => s + g.count, 0), d.trials.length);
  const stopped = shares.find((g) => g.label === 'stopped early')!;
  const trained = shares.find((g) => g.label === 'fully trained')!;
  // Silent networks are cheap in the model: their share of time is below their share of evaluations.
  assert.ok(stopped.seconds / (stopped.seconds + trained.seconds) < stopped.count / (stopped.count + trained.count));
});

test('importance ranks the parameters that drive the objective above pure noise', () => {
  const imp = importances(data());
  const rank = (name: string) => imp.findIndex((i) => i.name === name);
  assert.ok(rank('threshold') < rank('noise'), JSON.stringify(imp));
  assert.ok(rank('map_size') < rank('noise'), JSON.stringify(imp));
  for (const i of imp) assert.ok(i.eta2 >= 0 && i.eta2 <= 1 + 1e-12);
  assert.deepEqual(quantileBins([5, 1, 1, 3, 9, 7, 7, 2], 4), [2, 0, 0, 1, 3, 2, 2, 1]);
  assert.deepEqual(quantileBins(['a', 'b', 'a', true], 4), [0, 1, 0, 2]);
});

test('spikeopt report: a bad --out or a missing study is one sentence (UserError)', async () => {
  await assert.rejects(buildProgram().parseAsync(['node', 'spikeopt', 'report', studyPath, '--out', join(dir, 'x.pdf')]), (e) => e instanceof UserError && /\.html/.test(e.message));
  await assert.rejects(buildProgram().parseAsync(['node', 'spikeopt', 'report', join(dir, 'nowhere')]), UserError);
  const out = join(dir, 'cli.html');
  await buildProgram().parseAsync(['node', 'spikeopt', 'report', studyPath, '--out', out]);
  assert.ok(existsSync(out));
});

test('watch-mode studies: the report shows what other thresholds of the silent-network rule would have flagged', () => {
  const d = data();
  assert.deepEqual(calibrationTables(d), [], 'the synthetic study did not watch');
  assert.doesNotMatch(reportHtml(d, []), /Silent-network rule/);
  // Every training sample of the i-th complete trial drew i % 4 output spikes: threshold k flags those with i % 4 < k.
  const criteria = [{ layer: 'outpt', threshold: 2, proportion: 0.1, total: 100 }];
  const complete = d.trials.filter((t) => t.state === 'complete');
  complete.forEach((t, i) => {
    const histogram = new Array(SPIKE_HISTOGRAM_BINS).fill(0);
    histogram[i % 4] = 100;
    t.watched = { criteria, wouldStopAt: null, constraints: [], spikeHistograms: { outpt: histogram } };
  });
  const [table] = calibrationTables(d);
  assert.equal(table.networks, complete.length);
  assert.deepEqual(
    table.rows.map((r) => r.flagged),
    CALIBRATION_THRESHOLDS.map((k) => complete.filter((_, i) => i % 4 < k).length),
  );
  const sign = d.direction === 'maximize' ? 1 : -1;
  const accepted = complete.filter((t, i) => i % 4 >= 1 && t.objective !== null).map((t) => sign * t.objective!);
  assert.equal(table.rows[0].bestAccepted, sign * Math.max(...accepted), 'best let through at threshold 1');
  assert.equal(table.rows.at(-1)!.bestAccepted, null, 'threshold 10 flags everything');
  const html = reportHtml(d, []);
  assert.match(html, /Silent-network rule: other thresholds/);
  assert.match(html, /<th><b>2<\/b> \(now\)<\/th>/);
  // A rule whose own threshold the histograms cannot judge gets no table, and the report is still written.
  for (const t of complete) t.watched = { ...t.watched!, criteria: [{ ...criteria[0], threshold: 40 }] };
  assert.deepEqual(calibrationTables(d), []);
  assert.doesNotMatch(reportHtml(d, []), /Silent-network rule/);
});
