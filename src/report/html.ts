/**
 * HTML helpers shared by the report and the dashboard: escaping, the best-trials table, the settings table, and
 * the stylesheet (inline: both pages load nothing from elsewhere).
 */
import type { CalibrationTable, TrialRowView } from './tables.js';
import { formatValue } from '../study/progress.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function settingsTable(rows: [string, string][]): string {
  return `<table class="settings">${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

/** A table of trials: rank, id, objective, constraints, time and parameters. */
export function trialsTable(rows: TrialRowView[], id: string): string {
  if (rows.length === 0) return `<p class="empty" id="${id}">No feasible trial yet.</p>`;
  const body = rows
    .map(
      (r) =>
        `<tr data-trial="${r.id}" class="state-${escapeHtml(r.state)}"><td>${r.rank}</td><td>${r.id}</td><td class="num">${escapeHtml(r.objective)}</td>` +
        `<td class="num">${escapeHtml(r.constraints)}</td><td class="num">${escapeHtml(r.seconds)}</td>` +
        `<td class="params">${r.params.map(([k, v]) => `<span><b>${escapeHtml(k)}</b>=${escapeHtml(v)}</span>`).join(' ')}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table class="trials" id="${id}"><thead><tr><th>#</th><th>trial</th><th>objective</th><th>constraints</th><th>time</th><th>parameters</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A threshold calibration table: one column per threshold, the current one marked. */
export function calibrationTable(t: CalibrationTable): string {
  const c = t.criterion;
  const head = t.rows.map((r) => `<th>${r.threshold === c.threshold ? `<b>${r.threshold}</b> (now)` : r.threshold}</th>`).join('');
  const flagged = t.rows.map((r) => `<td class="num">${formatValue((100 * r.flagged) / t.networks)} %</td>`).join('');
  const best = t.rows.map((r) => `<td class="num">${r.bestAccepted === null ? '-' : formatValue(r.bestAccepted)}</td>`).join('');
  return (
    `<p>Layer <b>${escapeHtml(c.layer)}</b>: a sample is silent below the threshold; the rule fires above p = ${formatValue(c.proportion)} of ${c.total} samples.</p>` +
    `<div class="scroll"><table class="calibration"><thead><tr><th>threshold (spikes)</th>${head}</tr></thead><tbody>` +
    `<tr><th scope="row">networks flagged</th>${flagged}</tr><tr><th scope="row">best objective let through</th>${best}</tr></tbody></table></div>`
  );
}

/** One stylesheet for both pages: a single column on phones, two figure columns from 1100 px. */
export const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}
header,main{max-width:1600px;margin:0 auto;padding:12px 16px}
header h1{font-size:1.35rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.muted{color:#666}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px}
.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:8px 10px}
.card .v{font-size:1.3rem;font-weight:600}
.card .k{font-size:.8rem;color:#555}
.figures{display:grid;grid-template-columns:1fr;gap:12px}
@media (min-width:1100px){.figures{grid-template-columns:1fr 1fr}}
figure{margin:0;background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:6px;min-width:0}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#444;padding:4px 6px}
table{border-collapse:collapse;background:#fff;font-size:.85rem}
th,td{border-bottom:1px solid #e6e6e6;padding:4px 8px;text-align:left;vertical-align:top}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
td.params{min-width:18rem}
td.params span{display:inline-block;margin-right:8px;white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
table.settings th{font-weight:600;white-space:nowrap}
tr.state-stopped-early td:nth-child(3){color:#d64541}
tr.state-failed td{color:#777}
pre{background:#fff;border:1px solid #e2e4e8;padding:8px;overflow-x:auto;font-size:.8rem}
`;
