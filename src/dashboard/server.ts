/**
 * `spikeopt dashboard`: an HTTP server on 127.0.0.1 (never another interface: the page shows the whole study and
 * has no authentication) serving the page, a server-sent event stream and a cheap JSON endpoint.
 *
 *   GET /                          the page
 *   GET /events?layout=wide|narrow summary and figures now, then again on every change (text/event-stream)
 *   GET /api/summary?since=V       the summary as JSON, or 204 when the study is still at version V
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Layout } from '../report/figures/index.js';
import { UserError } from '../util/errors.js';
import { dashboardPage } from './page.js';
import { buildFigurePayload, buildSummary, type FigurePayload, type Summary } from './snapshot.js';
import { StudyWatcher, type WatchedStudy } from './watcher.js';

export interface DashboardOptions {
  /** The study database (study.sqlite). */
  studyPath: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** How often the database is checked for change (default 200 ms). */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Client {
  res: ServerResponse;
  layout: Layout;
}

export const DASHBOARD_HOST = '127.0.0.1';

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const watcher = new StudyWatcher(options.studyPath, options.pollMs ?? 200);
  const clients = new Set<Client>();
  let summary: Summary | null = null;
  const figureCache = new Map<Layout, FigurePayload>();
  let rendering: NodeJS.Immediate | null = null;

  const summaryOf = (w: WatchedStudy): Summary => (summary?.version === w.version ? summary : (summary = buildSummary(w.data, w.version)));
  const figuresOf = (w: WatchedStudy, layout: Layout): FigurePayload => {
    const cached = figureCache.get(layout);
    if (cached?.version === w.version) return cached;
    const payload = buildFigurePayload(w.data, w.version, layout);
    figureCache.set(layout, payload);
    return payload;
  };
  const send = (c: Client, event: string, data: unknown) => c.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  // Figures are rendered after the summary went out, once per layout in use, and only for the newest version:
  // changes that arrive while rendering are folded into the next pass.
  const scheduleFigures = () => {
    if (rendering) return;
    rendering = setImmediate(() => {
      rendering = null;
      const w = watcher.latest;
      for (const layout of new Set([...clients].map((c) => c.layout))) {
        const payload = figuresOf(w, layout);
        for (const c of clients) if (c.layout === layout) send(c, 'figures', payload);
      }
    });
  };

  watcher.on('change', (w: WatchedStudy) => {
    const s = summaryOf(w);
    for (const c of clients) send(c, 'summary', s);
    scheduleFigures();
  });

  const server: Server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`dashboard error: ${(err as Error).message}`);
    }
  });

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${DASHBOARD_HOST}`);
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(dashboardPage(watcher.latest.data.study.name));
    } else if (url.pathname === '/events') {
      const client: Client = { res, layout: url.searchParams.get('layout') === 'narrow' ? 'narrow' : 'wide' };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      clients.add(client);
      req.on('close', () => clients.delete(client));
      const w = watcher.latest;
      send(client, 'summary', summaryOf(w));
      send(client, 'figures', figuresOf(w, client.layout));
    } else if (url.pathname === '/api/summary') {
      const w = watcher.latest;
      if (url.searchParams.get('since') === String(w.version)) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(summaryOf(w)));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      watcher.close();
      reject(err.code === 'EADDRINUSE' ? new UserError(`Port ${options.port} on ${DASHBOARD_HOST} is already in use; choose another with --port.`) : err);
    });
    server.listen(options.port ?? 0, DASHBOARD_HOST, () => resolve());
  });
  watcher.start();
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    port,
    close: async () => {
      watcher.close();
      if (rendering) clearImmediate(rendering);
      for (const c of clients) c.res.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
