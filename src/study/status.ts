/**
 * What `spikeopt status` reports about a study, gathered from its database alone (works while the master runs,
 * after it died, or after the study finished).
 */
import { hostname } from 'node:os';
import type { StudyStore } from '../storage/study-store.js';
import type { EventRow, TrialRow, TrialState, WorkerRow } from '../storage/types.js';
import type { StudyConfig } from './config.js';
import { bestTrial } from './runner.js';
import { processAlive, studyWallSeconds } from './sessions.js';

export interface StudyStatus {
  id: string;
  name: string;
  path: string;
  mode: 'local' | 'distributed';
  optimizer: string;
  seed: number;
  /** The config's scale the study was run with (`spikeopt run FILE --scale NAME`), or null. */
  scale: string | null;
  /** The objective's notes stored with the study (e.g. that it runs on synthetic data). */
  notes: string[];
  /** running: a master holds it now; finished: budget spent and nothing in flight; stopped: neither. */
  state: 'running' | 'finished' | 'stopped';
  master: { pid: number; host: string; lastSeenSecondsAgo: number; alive: boolean | null } | null;
  counts: Record<TrialState, number>;
  trials: number;
  budget: { evaluations: number | null; wallSeconds: number | null; workerHours: number | null };
  used: { wallSeconds: number; workerHours: number };
  best: TrialRow | null;
  optimizerState: { calls: number; restartCount: number | null; trustRegionLength: number | null; modelId: number | null };
  workers: (WorkerRow & { heartbeatSecondsAgo: number })[];
  events: EventRow[];
}

export function studyStatus(store: StudyStore, now = Date.now()): StudyStatus {
  const study = store.study();
  const config = study.config as StudyConfig;
  const open = store.openSessions().at(-1) ?? null;
  const master = open
    ? {
        pid: open.pid,
        host: open.host,
        lastSeenSecondsAgo: (now - Date.parse(open.lastSeen)) / 1000,
        alive: open.host === hostname() ? processAlive(open.pid) : null,
      }
    : null;
  const staleAfter = Math.max(30, 3 * config.execution.heartbeatSeconds);
  const running = master !== null && (master.alive ?? master.lastSeenSecondsAgo < staleAfter);
  const last = store.lastStep();
  const lastState = (last?.state ?? null) as { restartCount?: number; trustRegion?: { length?: number } | null; modelId?: number | null } | null;
  return {
    id: study.id,
    name: study.name,
    path: store.path,
    mode: config.execution.mode,
    optimizer: `${config.optimizer.name}${config.optimizer.name === 'scbo' ? ` (${config.optimizer.preset})` : ''}`,
    seed: study.seed,
    scale: config.scale ?? null,
    notes: config.notes ?? [],
    state: running ? 'running' : study.finishedAt ? 'finished' : 'stopped',
    master,
    counts: store.countsByState(),
    trials: store.trialCount(),
    budget: config.budget,
    used: { wallSeconds: studyWallSeconds(store), workerHours: store.workerSeconds() / 3600 },
    best: bestTrial(store),
    optimizerState: {
      calls: last?.step ?? 0,
      restartCount: lastState?.restartCount ?? null,
      trustRegionLength: typeof lastState?.trustRegion?.length === 'number' ? lastState.trustRegion.length : null,
      modelId: lastState?.modelId ?? null,
    },
    workers: store.workers().map((w) => ({ ...w, heartbeatSecondsAgo: (now - Date.parse(w.lastHeartbeat)) / 1000 })),
    events: store.events(10),
  };
}
