import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { SyntheticStudy } from '../report/synthetic-study.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { UserError } from '../../src/util/errors.js';
import { ARTIFACTS, launchChromium } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeopt-dashboard-'));
const studyPath = join(dir, 'study.sqlite');
let study: SyntheticStudy;
let dashboard: Dashboard;
let browser: Browser;

/** Runs `count` new trials now, as a master would record them (real-time stamps), and returns their ids. */
function growStudy(count: number): number[] {
  const trials = study.propose(count);
  const now = Date.now();
  trials.forEach((t, i) => study.run(t, `thread-${(i % 3) + 1}`, now - 2000 + i * 100, now + i));
  return trials.map((t) => t.id);
}

before(async () => {
  study = SyntheticStudy.create(studyPath, { seed: 3, workers: 3 });
  growStudy(8);
  growStudy(8);
  growStudy(8);
  dashboard = await startDashboard({ studyPath, pollMs: 100 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
  study?.close();
});

test('the page shows the study, and new trials appear as they complete (desktop)', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(dashboard.url);
  await page.waitForSelector('#recent tbody tr');
  await page.waitForSelector('#fig-timeline svg');
  assert.match(await page.locator('#cards').innerText(), /24\s+trials/);
  for (const id of ['timeline', 'compute-share', 'best-evaluations', 'trust-region', 'parallel', 'importance']) {
    assert.equal(await page.locator(`#fig-${id} svg`).count(), 1, `figure ${id}`);
  }
  const before = Number(await page.getAttribute('body', 'data-figures-version'));
  const ids = growStudy(4);
  for (const id of ids) await page.waitForSelector(`#recent tr[data-trial="${id}"]`, { timeout: 5000 });
  assert.match(await page.locator('#cards').innerText(), /28\s+trials/);
  // The figures follow the summary: the timeline now holds the new evaluations.
  await page.waitForFunction((v) => Number(document.body.dataset.figuresVersion) > v, before, { timeout: 10000 });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });
  // Two figure columns on a desktop.
  const columns = await page.evaluate(() => getComputedStyle(document.getElementById('figures')!).gridTemplateColumns.split(' ').length);
  assert.equal(columns, 2);
  await page.close();
});

test('on a phone the page is one column, fits the screen and gets narrow figures', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await page.goto(dashboard.url);
  await page.waitForSelector('#fig-timeline svg');
  const layout = await page.evaluate(() => ({
    columns: getComputedStyle(document.getElementById('figures')!).gridTemplateColumns.split(' ').length,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    svgWidth: document.querySelector('#fig-timeline svg')!.getAttribute('viewBox'),
  }));
  assert.equal(layout.columns, 1);
  assert.ok(layout.overflow <= 1, `page wider than the screen by ${layout.overflow} px`);
  assert.match(layout.svgWidth!, /^0 0 420 /, 'narrow figures are drawn 420 px wide');
  const ids = growStudy(2);
  await page.waitForSelector(`#recent tr[data-trial="${ids[1]}"]`, { timeout: 5000 });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: false });
  await page.close();
});

test('the summary endpoint answers 204 while nothing changed, and a busy port is a UserError', async () => {
  const first = await fetch(new URL('api/summary', dashboard.url));
  const summary = (await first.json()) as { version: number; total: number };
  assert.equal(summary.total, 30);
  const again = await fetch(new URL(`api/summary?since=${summary.version}`, dashboard.url));
  assert.equal(again.status, 204);
  await assert.rejects(startDashboard({ studyPath, port: dashboard.port }), (e) => e instanceof UserError && /already in use/.test(e.message));
});
