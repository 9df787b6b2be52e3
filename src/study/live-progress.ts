/**
 * The live progress display of `spikeopt run | resume | demo` on a terminal: a status block kept at the bottom of
 * the screen (trials done / running / stopped / failed, best so far with its parameters, trust-region length,
 * elapsed and estimated remaining time) under the scrolling log lines. Off a terminal, callers print plain lines.
 */
import type { DispatchEvent, DispatchSnapshot } from '../execute/dispatcher.js';
import type { TrialRow } from '../storage/types.js';
import { formatSeconds } from './duration.js';
import { formatValue } from './progress.js';

export interface LiveProgressOptions {
  /** Evaluation budget, for the counter and the estimate (null when only wall time bounds the study). */
  budget: number | null;
  /** Wall-time budget in seconds, if any. */
  wallSeconds: number | null;
  startedAt: number;
  /** Terminal width (columns); lines are cut to it so that the block can be redrawn in place. */
  columns: number;
  write: (text: string) => void;
}

/** State shown by the block; updated from dispatcher events. */
export class LiveProgress {
  private done = 0;
  private stopped = 0;
  private failed = 0;
  private running = 0;
  private queued = 0;
  private best: TrialRow | null = null;
  private trustRegion: number | undefined;
  private restarts = 0;
  private drawnLines = 0;

  constructor(private readonly options: LiveProgressOptions) {}

  /** Records an event (and the dispatcher's snapshot after it). */
  update(event: DispatchEvent, snapshot: DispatchSnapshot): void {
    if (event.type === 'result') {
      this.done += 1;
      if (event.trial.state === 'stopped-early') this.stopped += 1;
      if (event.trial.state === 'failed') this.failed += 1;
    } else if (event.type === 'step') {
      const scbo = event.proposals.find((p) => p.info.phase === 'scbo') ?? event.proposals[0];
      if (scbo?.info.trustRegionLength !== undefined) this.trustRegion = scbo.info.trustRegionLength;
      if (scbo?.info.restartCount !== undefined) this.restarts = scbo.info.restartCount;
    }
    this.running = snapshot.running;
    this.queued = snapshot.queued;
    this.best = snapshot.best;
  }

  /** The block's lines, without escape codes (exported for tests). */
  lines(now = Date.now()): string[] {
    const elapsed = (now - this.options.startedAt) / 1000;
    const { budget } = this.options;
    const counter = budget === null ? `${this.done} done` : `${this.done}/${budget} done`;
    const best = this.best
      ? `best ${formatValue(this.best.objective)} (trial ${this.best.id}): ${Object.entries(this.best.params)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : String(v)}`)
          .join(', ')}`
      : 'best: no feasible trial yet';
    const region = this.trustRegion === undefined ? '' : ` | trust region ${formatValue(this.trustRegion)}, ${this.restarts} restart${this.restarts === 1 ? '' : 's'}`;
    return [
      `${counter} | running ${this.running}, queued ${this.queued} | stopped early ${this.stopped}, failed ${this.failed}${region}`,
      best,
      `elapsed ${formatSeconds(elapsed)} | remaining ${this.remaining(elapsed)}`,
    ];
  }

  /** Estimated remaining time: from the rate so far against the evaluation budget, capped by the wall budget. */
  private remaining(elapsed: number): string {
    const estimates: number[] = [];
    if (this.options.budget !== null && this.done > 0) {
      estimates.push(((this.options.budget - this.done) * elapsed) / this.done);
    }
    if (this.options.wallSeconds !== null) estimates.push(Math.max(0, this.options.wallSeconds - elapsed));
    return estimates.length === 0 ? 'unknown' : `~${formatSeconds(Math.max(0, Math.min(...estimates)))}`;
  }

  /** Prints log lines above the block and redraws the block in place. */
  print(logLines: string[], now = Date.now()): void {
    const cut = (s: string) => (s.length > this.options.columns - 1 ? `${s.slice(0, this.options.columns - 2)}…` : s);
    // Move up over the previous block and clear from there to the end of the screen.
    let out = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r\x1b[J` : '';
    for (const line of logLines) out += `${line}\n`;
    const block = this.lines(now).map(cut);
    out += `\x1b[7m${block[0]}\x1b[0m\n${block.slice(1).join('\n')}\n`;
    this.drawnLines = block.length;
    this.options.write(out);
  }
}
