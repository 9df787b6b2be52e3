/**
 * Messages between the master and its optimizer thread. The optimizer lives in its own thread because SCBO's
 * ask() fits Gaussian processes synchronously (0.1 to 1 s and more): on the master's event loop that would stall
 * dispatching, result recording and heartbeats.
 */
import type { OptimizerName, OptimizerOptions } from '../optimize/create.js';
import type { Observation, PendingPoint, Proposal } from '../optimize/types.js';

export interface OptimizerSpec {
  name: OptimizerName;
  options: OptimizerOptions;
  /** SearchSpace.toJSON() of the study's space. */
  space: unknown;
}

/** One journaled optimizer call to replay, with what it proposed the first time. */
export interface ReplayStep {
  told: Observation[];
  askCount: number;
  pending: PendingPoint[];
  expected: { id: number; u: number[] }[];
}

/** A model fitted during a step, to store under its id. */
export interface FittedModel {
  modelId: number;
  hyperparameters: unknown;
  trainingPoints: number;
  fitSeconds: number;
  selectSeconds: number;
}

export interface StepReply {
  proposals: Proposal[];
  /** The optimizer's state after the call (restart count, trust region, ...), null for stateless optimizers. */
  state: unknown;
  /** The model fitted by this call, when one was. */
  model: FittedModel | null;
  seconds: number;
}

export interface ReplayReply {
  steps: number;
  /** First replayed step whose proposals differ from the journal, or null. */
  divergedAt: number | null;
  seconds: number;
}

export type OptimizerRequest =
  | { id: number; type: 'replay'; steps: ReplayStep[]; firstStep: number }
  | { id: number; type: 'step'; told: Observation[]; askCount: number; pending: PendingPoint[] };

export type OptimizerReply =
  | { id: number; type: 'replay'; reply: ReplayReply }
  | { id: number; type: 'step'; reply: StepReply }
  | { id: number; type: 'error'; message: string; stack?: string };
