/**
 * `spikeopt status STUDY`: where a study stands, from its database alone: trial counts by state, the best trial,
 * the optimizer's state, the budget used, the master and every worker with its last heartbeat, recent events.
 */
import type { Command } from 'commander';
import { locateStudy } from '../../study/locate.js';
import { StudyStore } from '../../storage/study-store.js';
import { formatSeconds } from '../../study/duration.js';
import { bestLine, countsLine, formatValue } from '../../study/progress.js';
import { studyStatus, type StudyStatus } from '../../study/status.js';

function ago(seconds: number): string {
  return `${formatSeconds(Math.max(0, seconds))} ago`;
}

/** The status as lines of text. */
export function formatStatus(s: StudyStatus): string[] {
  const lines = [`Study ${s.name} (${s.id}): ${s.mode}, ${s.optimizer}, seed ${s.seed}${s.scale ? `, scale ${s.scale}` : ''}`, `  database ${s.path}`];
  for (const note of s.notes) lines.push(`Note: ${note}`);
  if (s.state === 'running' && s.master) lines.push(`State: running (master process ${s.master.pid} on ${s.master.host}, seen ${ago(s.master.lastSeenSecondsAgo)})`);
  else if (s.state === 'finished') lines.push('State: finished');
  else lines.push('State: stopped (continue with spikeopt resume)');
  const budget = s.budget.evaluations === null ? '' : ` of ${s.budget.evaluations}`;
  lines.push(`Trials: ${countsLine(s.counts).replace(/^\d+ trials?/, `${s.trials}${budget}`)}`);
  lines.push(`Best: ${bestLine(s.best)}`);
  const o = s.optimizerState;
  const region = o.trustRegionLength === null ? '' : `, trust region ${formatValue(o.trustRegionLength)}`;
  const restarts = o.restartCount === null ? '' : `, ${o.restartCount} restart${o.restartCount === 1 ? '' : 's'}`;
  const model = o.modelId === null ? '' : `, model ${o.modelId}`;
  lines.push(`Optimizer: ${o.calls} call${o.calls === 1 ? '' : 's'}${region}${restarts}${model}`);
  const used = [`wall time ${formatSeconds(s.used.wallSeconds)}${s.budget.wallSeconds === null ? '' : ` of ${formatSeconds(s.budget.wallSeconds)}`}`];
  used.push(`worker time ${s.used.workerHours.toFixed(2)} h${s.budget.workerHours === null ? '' : ` of ${s.budget.workerHours} h`}`);
  lines.push(`Used: ${used.join(', ')}`);
  if (s.workers.length === 0) lines.push('Workers: none seen yet');
  else {
    lines.push('Workers:');
    for (const w of s.workers) {
      const doing = w.currentTrial !== null ? `running trial ${w.currentTrial}` : w.state;
      lines.push(`  ${w.id.padEnd(24)} ${w.kind.padEnd(6)} ${w.host.padEnd(16)} ${doing.padEnd(20)} heartbeat ${ago(w.heartbeatSecondsAgo).padEnd(12)} ${w.trialsDone} trials`);
    }
  }
  if (s.events.length > 0) {
    lines.push('Recent events:');
    for (const e of s.events) lines.push(`  ${e.at} ${e.kind}${e.trialId === null ? '' : ` trial ${e.trialId}`}: ${e.message}`);
  }
  return lines;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<study>', 'study folder, its study.sqlite file, or its YAML config')
    .description('show where a study stands: trials by state, best trial, optimizer, budget, workers and heartbeats')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ spikeopt status studies/ackley
  $ spikeopt status studies/ackley/study.sqlite --json`,
    )
    .action((given: string, flags: { json?: boolean }) => {
      const store = StudyStore.open(locateStudy(given));
      try {
        const status = studyStatus(store);
        console.log(flags.json ? JSON.stringify(status, null, 2) : formatStatus(status).join('\n'));
      } finally {
        store.close();
      }
    });
}
