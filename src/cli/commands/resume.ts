/**
 * `spikeopt resume STUDY`: continues a study after a crash, a kill or Ctrl-C, or with a larger budget. Completed
 * trials are kept; trials that were running are re-queued (or failed once they have lost `maxAttempts` attempts);
 * the optimizer is rebuilt by replaying its journal; results that reached Redis while the master was down are
 * collected.
 */
import { extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { StudyStore } from '../../storage/study-store.js';
import { locateStudy } from '../../study/locate.js';
import type { StudyConfig } from '../../study/config.js';
import { parseDuration } from '../../study/duration.js';
import { storedConfig } from '../../study/runner.js';
import { UserError } from '../../util/errors.js';
import { integerOption } from '../options.js';
import { driveStudy } from './run.js';

interface ResumeFlags {
  evaluations?: number;
  wallTime?: number;
  workerHours?: number;
  workers?: number;
  broker?: string;
  quiet?: boolean;
  scale?: string;
}

function durationOption(flag: string): (value: string) => number {
  return (value: string) => {
    const seconds = parseDuration(value);
    if (seconds === null) throw new InvalidArgumentError(`${flag} expects a duration such as 90s, 30m or 2h, got '${value}'`);
    return seconds;
  };
}

/** The stored config with the command line's changes, and a sentence saying what changed. */
export function amendConfig(config: StudyConfig, flags: ResumeFlags): { config: StudyConfig; changes: string[] } {
  const next: StudyConfig = structuredClone(config);
  const changes: string[] = [];
  if (flags.evaluations !== undefined) {
    next.budget.evaluations = flags.evaluations;
    changes.push(`evaluations budget ${config.budget.evaluations ?? 'none'} -> ${flags.evaluations}`);
  }
  if (flags.wallTime !== undefined) {
    next.budget.wallSeconds = flags.wallTime;
    changes.push(`wall-time budget ${config.budget.wallSeconds ?? 'none'} s -> ${flags.wallTime} s`);
  }
  if (flags.workerHours !== undefined) {
    next.budget.workerHours = flags.workerHours;
    changes.push(`worker-hours budget ${config.budget.workerHours ?? 'none'} -> ${flags.workerHours}`);
  }
  if (flags.workers !== undefined) {
    if (config.execution.mode !== 'local') throw new UserError('--workers sets local worker threads; this study runs on remote workers (start more spikeopt worker processes instead).');
    next.execution.workers = flags.workers;
    changes.push(`worker threads ${config.execution.workers} -> ${flags.workers}`);
  }
  if (flags.broker !== undefined) {
    if (config.execution.mode !== 'distributed') throw new UserError('--broker applies to distributed studies only; this study runs on local threads.');
    next.execution.broker = flags.broker;
    changes.push('broker URL changed');
  }
  return { config: next, changes };
}

export function registerResume(program: Command): void {
  program
    .command('resume')
    .argument('<study>', 'study folder, its study.sqlite file, or its YAML config')
    .description('continue a study after a crash, kill or interrupt, or with a larger budget')
    .option('--evaluations <n>', 'new total evaluations budget', integerOption('--evaluations', 1))
    .option('--wall-time <duration>', 'new total wall-time budget (e.g. 12h)', durationOption('--wall-time'))
    .option('--worker-hours <h>', 'new total worker-hours budget', (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError(`--worker-hours expects a positive number, got '${v}'`);
      return n;
    })
    .option('--workers <n>', 'number of local worker threads from now on', integerOption('--workers', 1))
    .option('--broker <url>', 'broker URL from now on (distributed studies), e.g. redis://10.0.0.5:6379')
    .option('--scale <name>', 'with a YAML config: the scale the study was run with (to find its folder)')
    .option('--quiet', 'print only the summary')
    .addHelpText(
      'after',
      `
A study run with --scale keeps its scale: resume runs it with the merged config stored in the study.

Examples:
  $ spikeopt resume studies/ackley                    # after kill -9, a crash or Ctrl-C
  $ spikeopt resume experiments/exp1-stdp-mnist.yaml --scale small
  $ spikeopt resume studies/ackley --evaluations 400  # same study, larger budget
  $ spikeopt resume studies/snn/study.sqlite --broker redis://10.0.0.7:6379`,
    )
    .action(async (given: string, flags: ResumeFlags) => {
      const ext = extname(given).toLowerCase();
      if (flags.scale !== undefined && ext !== '.yaml' && ext !== '.yml') {
        throw new UserError('--scale only helps find a study from its YAML config; a study folder already knows its scale.');
      }
      const store = StudyStore.open(locateStudy(given, flags.scale ?? null));
      try {
        const stored = storedConfig(store);
        if (flags.scale !== undefined && (stored.scale ?? null) !== flags.scale) {
          throw new UserError(`The study at ${given} was run with ${stored.scale ? `scale ${stored.scale}` : 'no scale'}, not scale ${flags.scale}.`);
        }
        if (!flags.quiet && stored.scale) console.log(`Study ${stored.name}, scale ${stored.scale} (as stored with the study).`);
        const { config, changes } = amendConfig(stored, flags);
        if (changes.length > 0) {
          store.updateConfig(config, `resume: ${changes.join('; ')}`);
          if (!flags.quiet) console.log(`Updated: ${changes.join('; ')}.`);
        }
        await driveStudy(store, 'resume', { quiet: flags.quiet });
      } finally {
        store.close();
      }
    });
}
