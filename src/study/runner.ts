/**
 * Running a study (new or resumed) to the end of its budget: claims the study, starts the optimizer thread
 * (replaying the journal first when there is one), the executor the config asks for and the dispatcher, keeps the
 * session's heartbeat, and closes everything whatever happens.
 */
import type { Executor } from '../execute/executor.js';
import { Dispatcher, type DispatchEvent, type DispatchSnapshot, type EndReason } from '../execute/dispatcher.js';
import { LocalExecutor } from '../execute/local-executor.js';
import { OptimizerHost } from '../execute/optimizer-host.js';
import type { ReplayReply } from '../execute/optimizer-protocol.js';
import { SearchSpace } from '../space/space.js';
import type { StudyStore } from '../storage/study-store.js';
import type { TrialRow, TrialState } from '../storage/types.js';
import type { StudyConfig } from './config.js';
import { objectiveKey, resolveObjective } from './registry.js';
import { replaySteps } from './replay.js';
import { claimStudy, studyWallSeconds } from './sessions.js';

export interface RunHooks {
  /** Every dispatcher event, with the state after it. */
  onEvent?(event: DispatchEvent, snapshot: DispatchSnapshot): void;
  /** Lines worth showing a user (replay, broker trouble). */
  log?(line: string): void;
}

export interface StudyRunResult {
  reason: EndReason | 'nothing-to-do';
  counts: Record<TrialState, number>;
  best: TrialRow | null;
  seconds: number;
  replay: ReplayReply | null;
}

/** The stored configuration of a study. */
export function storedConfig(store: StudyStore): StudyConfig {
  return store.study().config as StudyConfig;
}

/** Best feasible final trial in the study's direction. */
export function bestTrial(store: StudyStore): TrialRow | null {
  const sign = store.study().direction === 'maximize' ? 1 : -1;
  let best: TrialRow | null = null;
  for (const t of store.trials(['complete', 'stopped-early'])) {
    if (!t.feasible || t.objective === null) continue;
    if (best === null || sign * t.objective > sign * best.objective!) best = t;
  }
  return best;
}

/** Why a study has nothing left to do, or null when it has. */
export function nothingToDo(store: StudyStore, config: StudyConfig): string | null {
  const counts = store.countsByState();
  const created = store.trialCount();
  const inFlight = counts.queued + counts.running;
  if (config.budget.evaluations !== null && created >= config.budget.evaluations && inFlight === 0) {
    return `all ${config.budget.evaluations} evaluations of the budget are done`;
  }
  if (config.budget.wallSeconds !== null && studyWallSeconds(store) >= config.budget.wallSeconds) {
    return 'the wall-time budget is spent';
  }
  if (config.budget.workerHours !== null && store.workerSeconds() >= config.budget.workerHours * 3600) {
    return 'the worker-hours budget is spent';
  }
  return null;
}

/**
 * Runs the study until its budget is spent, `signal` aborts, or an error.
 * @param kind recorded with the session ('run' or 'resume').
 */
export async function runStudy(store: StudyStore, kind: 'run' | 'resume', hooks: RunHooks = {}, signal?: AbortSignal): Promise<StudyRunResult> {
  const started = Date.now();
  const study = store.study();
  const config = study.config as StudyConfig;
  const log = hooks.log ?? (() => {});
  const done = nothingToDo(store, config);
  if (done !== null) {
    log(`nothing to run: ${done}`);
    return { reason: 'nothing-to-do', counts: store.countsByState(), best: bestTrial(store), seconds: 0, replay: null };
  }

  const e = config.execution;
  const session = claimStudy(store, kind, Math.max(30, 3 * e.heartbeatSeconds));
  const heartbeat = setInterval(() => store.touchSession(session), e.heartbeatSeconds * 1000);
  heartbeat.unref();
  const wallBefore = studyWallSeconds(store);
  let optimizer: OptimizerHost | null = null;
  let executor: Executor | null = null;
  let endReason = 'error';
  try {
    const objective = await resolveObjective(config.objective);
    const space = SearchSpace.from(study.space, 'the stored study space');
    optimizer = new OptimizerHost({
      name: config.optimizer.name,
      space: study.space,
      options: {
        seed: config.seed,
        batchSize: config.optimizer.batchSize,
        initialSize: config.optimizer.initialSize!,
        constraintCount: config.optimizer.constraintCount ?? undefined,
        preset: config.optimizer.preset,
        scbo: config.optimizer.settings,
      },
    });

    let replay: ReplayReply | null = null;
    const steps = replaySteps(store, study.direction);
    const replayed =
      steps.length === 0
        ? Promise.resolve()
        : optimizer.replay(steps, 1).then((r) => {
            replay = r;
            const note =
              r.divergedAt === null
                ? `rebuilt the optimizer by replaying ${r.steps} calls in ${r.seconds.toFixed(1)} s`
                : `replayed ${r.steps} optimizer calls in ${r.seconds.toFixed(1)} s; proposals differ from the journal from call ${r.divergedAt} (other code or platform): all data and the trust-region history are restored, the random stream differs`;
            store.addEvent('replay', note);
            log(note);
          });
    if (steps.length > 0) log(`replaying ${steps.length} optimizer calls from the journal`);

    // BullMQ and ioredis are loaded only by distributed studies (they cost a second of start-up).
    const { DistributedExecutor } = e.mode === 'distributed' ? await import('../execute/distributed/distributed-executor.js') : { DistributedExecutor: null };
    executor =
      DistributedExecutor === null
        ? new LocalExecutor({ workers: e.workers, objective: config.objective, trialTimeoutSeconds: e.trialTimeoutSeconds, heartbeatSeconds: e.heartbeatSeconds })
        : new DistributedExecutor({
            broker: { url: e.broker!, tlsCa: e.tlsCa },
            prefix: e.queuePrefix,
            studyId: study.id,
            objectiveKey: objectiveKey(config.objective, objective),
            trialTimeoutSeconds: e.trialTimeoutSeconds,
            reconcileSeconds: e.reconcileSeconds,
            heartbeatSeconds: e.heartbeatSeconds,
            ticketFor: (id) => {
              const t = store.trial(id);
              return t ? { trialId: t.id, params: t.params, seed: t.seed } : null;
            },
            log,
          });

    const b = config.budget;
    const dispatcher: Dispatcher = new Dispatcher(
      store,
      optimizer,
      executor,
      space,
      {
        batchSize: config.optimizer.batchSize,
        firstAskCount: config.optimizer.initialSize!,
        refillThreshold: e.refillThreshold,
        maxAttempts: e.maxAttempts,
        evaluations: b.evaluations,
        deadline: b.wallSeconds === null ? null : Date.now() + (b.wallSeconds - wallBefore) * 1000,
        workerSecondsLimit: b.workerHours === null ? null : b.workerHours * 3600,
        onBudget: e.onBudget,
        direction: study.direction,
        studySeed: config.seed,
      },
      (event) => hooks.onEvent?.(event, dispatcher.snapshot()),
      replayed,
    );
    const abort = () => void dispatcher.stop('the master was interrupted');
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) abort();
    let reason: EndReason;
    try {
      reason = await dispatcher.run();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    endReason = reason;
    return { reason, counts: store.countsByState(), best: bestTrial(store), seconds: (Date.now() - started) / 1000, replay };
  } catch (err) {
    endReason = `error: ${(err as Error).message}`;
    throw err;
  } finally {
    clearInterval(heartbeat);
    await executor?.close().catch(() => {});
    await optimizer?.close().catch(() => {});
    store.touchSession(session);
    store.endSession(session, endReason);
  }
}
