/**
 * Human-readable progress and summary lines for study runs (the CLI prints them; tests read them).
 */
import type { DispatchEvent, DispatchSnapshot } from '../execute/dispatcher.js';
import type { TrialRow, TrialState } from '../storage/types.js';
import { formatSeconds } from './duration.js';

/** A number in a short, stable form. */
export function formatValue(v: number | null): string {
  if (v === null) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(3) : v.toPrecision(5).replace(/\.?0+$/, '');
}

function describeTrial(t: TrialRow): string {
  if (t.state === 'failed') return `failed (${t.error ?? 'no reason'})`;
  const feasible = t.feasible ? 'feasible' : 'infeasible';
  const value = t.objective === null ? 'objective not measured' : formatValue(t.objective);
  return `${t.state === 'stopped-early' ? 'stopped early' : 'complete'} ${value} ${feasible}`;
}

/**
 * One line per event worth telling, or null.
 * @param budget evaluations budget for the [k/N] counter, or null.
 */
export function progressLine(event: DispatchEvent, s: DispatchSnapshot, budget: number | null, startedAt: number): string | null {
  const elapsed = formatSeconds((Date.now() - startedAt) / 1000);
  switch (event.type) {
    case 'result': {
      const counter = budget === null ? `[${s.finished}]` : `[${String(s.finished).padStart(String(budget).length)}/${budget}]`;
      const best = s.best ? `best ${formatValue(s.best.objective)} (trial ${s.best.id})` : 'no feasible point yet';
      return `${counter} trial ${event.trial.id} ${describeTrial(event.trial)} | ${best} | running ${s.running}, queued ${s.queued} | ${elapsed}`;
    }
    case 'step': {
      const first = event.proposals[0]?.info;
      const region = first?.trustRegionLength !== undefined && first.phase === 'scbo' ? `, trust region ${formatValue(first.trustRegionLength)}` : '';
      const done = budget === null ? `${s.finished} done` : `${s.finished}/${budget} done`;
      const best = s.best ? `best ${formatValue(s.best.objective)}` : 'no feasible point yet';
      return `optimizer call ${event.step}: told ${event.told}, proposed ${event.proposals.length} (${first?.phase ?? '-'}${region}) in ${event.seconds.toFixed(2)} s | ${done}, ${best} | ${elapsed}`;
    }
    case 'lost':
      return `trial ${event.trialId} attempt ${event.attempt} lost (${event.reason}): ${event.outcome === 'requeued' ? 're-queued' : 'failed, no attempts left'}`;
    case 'requeued':
      return `trial ${event.trialId} published again: ${event.reason}`;
    case 'budget':
      return `budget: ${event.reason}`;
    case 'duplicate':
      return null;
  }
}

/** "200 trials: 196 complete, 4 failed" (zero counts left out). */
export function countsLine(counts: Record<TrialState, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = (['complete', 'stopped-early', 'failed', 'running', 'queued'] as TrialState[])
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s === 'stopped-early' ? 'stopped early' : s}`);
  return `${total} trial${total === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** The best trial in one line: value and parameters. */
export function bestLine(best: TrialRow | null): string {
  if (!best) return 'no feasible trial yet';
  const params = Object.entries(best.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : String(v)}`)
    .join(', ');
  return `best feasible ${formatValue(best.objective)} at trial ${best.id} (${params})`;
}
