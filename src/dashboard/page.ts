/**
 * The dashboard page: one HTML document with its style and script inline (it loads nothing else). The script
 * listens to the server's event stream: `summary` events update the cards and tables, `figures` events replace
 * the figures. Phones get the narrow figures (one column), desktops the wide ones (two columns from 1100 px).
 */
import { escapeHtml, STYLE } from '../report/html.js';

const PAGE_STYLE = `
.live{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:#bbb;margin-right:.3rem}
.live.on{background:#2f9e44}
#cards .best .v{font-size:1rem}
table.trials tr.fresh td{animation:fresh 2s ease-out}
@keyframes fresh{from{background:#fff3bf}to{background:transparent}}
`;

const SCRIPT = `
(() => {
  const $ = (id) => document.getElementById(id);
  const layoutFor = () => (window.innerWidth < 700 ? 'narrow' : 'wide');
  let layout = layoutFor();
  let source = null;
  let seen = new Set();
  const cell = (tr, text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); };
  function fillTable(id, rows, markFresh) {
    const body = $(id).querySelector('tbody');
    body.replaceChildren();
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.dataset.trial = String(r.id);
      tr.className = 'state-' + r.state + (markFresh && seen.size > 0 && !seen.has(r.id) ? ' fresh' : '');
      cell(tr, String(r.rank)); cell(tr, String(r.id)); cell(tr, r.objective, 'num'); cell(tr, r.constraints, 'num'); cell(tr, r.seconds, 'num');
      const td = document.createElement('td'); td.className = 'params';
      for (const [k, v] of r.params) { const s = document.createElement('span'); const b = document.createElement('b'); b.textContent = k; s.append(b, '=' + v); td.append(s, ' '); }
      tr.appendChild(td);
      body.appendChild(tr);
    }
  }
  function card(label, value, cls) {
    const d = document.createElement('div'); d.className = 'card' + (cls ? ' ' + cls : '');
    const v = document.createElement('div'); v.className = 'v'; v.textContent = value;
    const k = document.createElement('div'); k.className = 'k'; k.textContent = label;
    d.append(v, k); return d;
  }
  function onSummary(s) {
    document.body.dataset.version = String(s.version);
    document.title = 'spikeopt: ' + s.name;
    $('name').textContent = s.name;
    $('state').textContent = s.finished ? 'finished' : 'live';
    const c = s.counts;
    const best = s.best ? s.best.objective + ' (trial ' + s.best.id + ')' : 'none yet';
    $('cards').replaceChildren(
      card('trials', String(s.total)), card('complete', String(c.complete)), card('stopped early', String(c['stopped-early'])),
      card('failed', String(c.failed)), card('running', String(c.running)), card('queued', String(c.queued)),
      card('trust region', s.trustRegion + (s.restarts ? ' (' + s.restarts + ' restarts)' : '')), card('best ' + s.direction, best, 'best'));
    $('best-params').textContent = s.best ? s.best.params.map(([k, v]) => k + '=' + v).join(', ') : '';
    fillTable('recent', s.recent, true);
    fillTable('top', s.top, false);
    seen = new Set(s.recent.map((r) => r.id));
  }
  function onFigures(p) {
    const box = $('figures');
    const keep = new Set();
    for (const f of p.figures) {
      keep.add('fig-' + f.id);
      let fig = document.getElementById('fig-' + f.id);
      if (!fig) { fig = document.createElement('figure'); fig.id = 'fig-' + f.id; box.appendChild(fig); }
      fig.innerHTML = f.svg;
      const cap = document.createElement('figcaption'); const b = document.createElement('b'); b.textContent = f.title + '. ';
      cap.append(b, f.caption); fig.appendChild(cap);
    }
    for (const el of [...box.children]) if (!keep.has(el.id)) el.remove();
    document.body.dataset.figuresVersion = String(p.version);
  }
  function connect() {
    if (source) source.close();
    source = new EventSource('events?layout=' + layout);
    source.addEventListener('summary', (e) => onSummary(JSON.parse(e.data)));
    source.addEventListener('figures', (e) => onFigures(JSON.parse(e.data)));
    source.onopen = () => $('live').classList.add('on');
    source.onerror = () => $('live').classList.remove('on');
  }
  window.addEventListener('resize', () => { const l = layoutFor(); if (l !== layout) { layout = l; connect(); } });
  connect();
})();
`;

/** The page for a study named `name`. */
export function dashboardPage(name: string): string {
  const table = (id: string) =>
    `<div class="scroll"><table class="trials" id="${id}"><thead><tr><th>#</th><th>trial</th><th>objective</th><th>constraints</th><th>time</th><th>parameters</th></tr></thead><tbody></tbody></table></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>spikeopt: ${escapeHtml(name)}</title><style>${STYLE}${PAGE_STYLE}</style></head>
<body><header><h1><span id="live" class="live" title="connected"></span>Study <span id="name">${escapeHtml(name)}</span></h1>
<p class="muted">spikeopt dashboard: <span id="state">connecting</span>; updates as trials complete.</p></header>
<main>
<div id="cards" class="cards"></div>
<p class="muted" id="best-params"></p>
<h2>Latest results</h2>${table('recent')}
<h2>Figures</h2><div id="figures" class="figures"></div>
<h2>Best trials</h2>${table('top')}
</main><script>${SCRIPT}</script></body></html>
`;
}
