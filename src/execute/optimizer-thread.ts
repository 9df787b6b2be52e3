/**
 * Entry point of the optimizer thread: owns the study's optimizer and answers tell/ask calls one at a time, in
 * the order the master sends them. A resumed master first sends the journal to replay: optimizers are
 * deterministic given their seed and the exact sequence of calls, so replaying every journaled call rebuilds the
 * state the optimizer had (data, trust region, restart count, random stream, warm starts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOptimizer } from '../optimize/create.js';
import type { Observation, Optimizer, PendingPoint } from '../optimize/types.js';
import { SearchSpace } from '../space/space.js';
import type { FittedModel, OptimizerReply, OptimizerRequest, OptimizerSpec, ReplayStep, StepReply } from './optimizer-protocol.js';

const port = parentPort!;
const spec = workerData as OptimizerSpec;
const space = SearchSpace.from(spec.space, 'the study space');
const optimizer: Optimizer = createOptimizer(spec.name, space, spec.options);
let lastModelId: number | null = null;

/** What SCBO reports about itself (other optimizers have no state). */
interface StatefulOptimizer {
  state(): {
    restartCount: number;
    trustRegion: unknown;
    dataCount: number;
    designQueued: number;
    lastModel: { modelId: number; objective: unknown; constraints: unknown[]; trainingPoints: number; fitSeconds: number; selectSeconds: number } | null;
  };
}

function hasState(o: Optimizer): o is Optimizer & StatefulOptimizer {
  return typeof (o as Partial<StatefulOptimizer>).state === 'function';
}

function call(told: Observation[], askCount: number, pending: PendingPoint[]): StepReply {
  const start = performance.now();
  optimizer.tell(told);
  const proposals = askCount > 0 ? optimizer.ask(askCount, pending) : [];
  let state: unknown = null;
  let model: FittedModel | null = null;
  if (hasState(optimizer)) {
    const s = optimizer.state();
    const m = s.lastModel;
    state = { restartCount: s.restartCount, trustRegion: s.trustRegion, dataCount: s.dataCount, designQueued: s.designQueued, modelId: m?.modelId ?? null };
    if (m && m.modelId !== lastModelId) {
      lastModelId = m.modelId;
      model = {
        modelId: m.modelId,
        hyperparameters: { objective: m.objective, constraints: m.constraints },
        trainingPoints: m.trainingPoints,
        fitSeconds: m.fitSeconds,
        selectSeconds: m.selectSeconds,
      };
    }
  }
  return { proposals, state, model, seconds: (performance.now() - start) / 1000 };
}

function sameProposals(reply: StepReply, expected: ReplayStep['expected']): boolean {
  if (reply.proposals.length !== expected.length) return false;
  return reply.proposals.every((p, i) => p.id === expected[i].id && p.u.every((v, k) => v === expected[i].u[k]));
}

function handle(request: OptimizerRequest): OptimizerReply {
  if (request.type === 'step') return { id: request.id, type: 'step', reply: call(request.told, request.askCount, request.pending) };
  const start = performance.now();
  let divergedAt: number | null = null;
  request.steps.forEach((s, i) => {
    const reply = call(s.told, s.askCount, s.pending);
    if (divergedAt === null && !sameProposals(reply, s.expected)) divergedAt = request.firstStep + i;
  });
  return { id: request.id, type: 'replay', reply: { steps: request.steps.length, divergedAt, seconds: (performance.now() - start) / 1000 } };
}

port.on('message', (request: OptimizerRequest) => {
  let reply: OptimizerReply;
  try {
    reply = handle(request);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: request.id, type: 'error', message: e.message, stack: e.stack };
  }
  port.postMessage(reply);
});
