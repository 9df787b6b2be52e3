/**
 * Entry point of a trial thread: resolves the objective once (from the registry or a module path, never from code
 * sent by anyone), then evaluates one trial per message and posts its outcome. Evaluations run here so that the
 * thread that owns it (the master's dispatcher, or a worker's broker connection and lock renewal) never blocks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nowIso } from '../storage/time.js';
import { evaluateSafely, type TrialOutcome } from '../study/evaluate.js';
import type { Objective } from '../study/objective.js';
import { resolveObjective } from '../study/registry.js';
import type { ThreadMessage, ThreadTask, TrialThreadData } from './thread-protocol.js';

const port = parentPort!;
const data = workerData as TrialThreadData;

function post(message: ThreadMessage): void {
  port.postMessage(message);
}

let objective: Objective;
try {
  objective = await resolveObjective(data.objective);
  post({ type: 'ready' });
  port.on('message', (task: ThreadTask) => void run(task));
} catch (err) {
  post({ type: 'init-error', message: err instanceof Error ? err.message : String(err) });
}

async function run(task: ThreadTask): Promise<void> {
  const startedAt = nowIso();
  let outcome: TrialOutcome;
  let params: Record<string, unknown> | null = null;
  try {
    params = objective.space.validateValues(task.params, `the parameters of trial ${task.trialId}`);
  } catch (err) {
    outcome = { status: 'failed', objective: null, constraints: null, feasible: false, error: (err as Error).message, seconds: 0 };
  }
  if (params !== null) {
    outcome = await evaluateSafely(objective, params, null, { trialId: task.trialId, seed: task.seed, attempt: task.attempt });
  }
  post({ type: 'result', trialId: task.trialId, attempt: task.attempt, outcome: outcome!, startedAt, finishedAt: nowIso() });
}
