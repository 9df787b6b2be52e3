/**
 * A simulated asynchronous worker pool in virtual time, for benchmarking and testing the optimizer's
 * asynchronous behaviour without waiting for real evaluations (spec scbo.md §11.3, "Asynchronous").
 *
 * Each of W workers runs one evaluation at a time, with a random log-normal duration. The dispatcher follows the
 * paper's "flexible" rule (system.md §5): a new batch of q is asked for whenever at most one queued point is left,
 * and the optimizer is told every result received since its previous call and shown every running or queued point.
 */
import { Rng } from '../util/rng.js';
import type { Optimizer, Proposal } from '../optimize/types.js';
import type { SearchSpace } from '../space/space.js';

export interface SimulatedResult {
  objective: number | null;
  constraints: number[] | null;
}

export interface SimulatedPoolOptions {
  workers: number;
  batchSize: number;
  budget: number;
  seed: number;
  /** Standard deviation of log(duration); durations have median 1 (virtual time units). */
  durationSpread?: number;
}

export interface SimulatedTrial {
  proposal: Proposal;
  result: SimulatedResult;
  start: number;
  end: number;
  worker: number;
  /** The proposal decoded to the same configuration as a point that was running or queued when proposed. */
  duplicateOfPending: boolean;
}

/** Runs `budget` evaluations of a maximised objective through the optimizer on a simulated pool. */
export function runSimulatedPool(
  optimizer: Optimizer,
  space: SearchSpace,
  evaluate: (params: Record<string, unknown>) => SimulatedResult,
  options: SimulatedPoolOptions,
): SimulatedTrial[] {
  const rng = new Rng(`pool:${options.seed}`);
  const spread = options.durationSpread ?? 0.5;
  const queue: { proposal: Proposal; duplicate: boolean }[] = [];
  const running: SimulatedTrial[] = [];
  const finished: SimulatedTrial[] = [];
  let received: SimulatedTrial[] = [];
  let dispatched = 0;
  let now = 0;
  const freeWorkers = Array.from({ length: options.workers }, (_, w) => w);

  const refill = () => {
    optimizer.tell(received.map((t) => ({ id: t.proposal.id, u: t.proposal.u, ...t.result })));
    received = [];
    const pendingPoints = [...running.map((t) => t.proposal), ...queue.map((e) => e.proposal)];
    const pendingKeys = new Set(pendingPoints.map((p) => space.key(p.params)));
    for (const proposal of optimizer.ask(options.batchSize, pendingPoints.map((p) => ({ id: p.id, u: p.u })))) {
      const key = space.key(proposal.params);
      queue.push({ proposal, duplicate: pendingKeys.has(key) });
      pendingKeys.add(key);
    }
  };

  while (finished.length < options.budget) {
    while (freeWorkers.length > 0 && dispatched < options.budget) {
      if (queue.length <= 1) refill();
      const entry = queue.shift()!;
      const worker = freeWorkers.shift()!;
      const duration = Math.exp(spread * rng.normal());
      running.push({
        proposal: entry.proposal,
        result: evaluate(entry.proposal.params),
        start: now,
        end: now + duration,
        worker,
        duplicateOfPending: entry.duplicate,
      });
      dispatched++;
    }
    // Advance virtual time to the next completion.
    running.sort((a, b) => a.end - b.end);
    const done = running.shift()!;
    now = done.end;
    finished.push(done);
    received.push(done);
    freeWorkers.push(done.worker);
  }
  return finished;
}
