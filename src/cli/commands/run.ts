/**
 * `spikeopt run STUDY.yaml`: creates the study described by a config file and runs it to the end of its budget.
 * Also exports the shared driver that `resume` and `demo` use: progress lines, Ctrl-C handling, the summary.
 */
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { StudyStore } from '../../storage/study-store.js';
import { loadStudyConfig } from '../../study/config.js';
import { createStudy } from '../../study/create.js';
import { bestLine, countsLine, progressLine } from '../../study/progress.js';
import { runStudy, storedConfig, type StudyRunResult } from '../../study/runner.js';
import { formatSeconds } from '../../study/duration.js';
import { LiveProgress } from '../../study/live-progress.js';

export interface DriveOptions {
  quiet?: boolean;
  /** Print a line for every result (default), or only optimizer calls and problems. */
  everyTrial?: boolean;
}

/** Where a study lives, as a user would type it. */
export function studyDirLabel(store: StudyStore): string {
  const dir = resolve(store.path, '..');
  const rel = relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

/**
 * Runs a study with progress on stdout. The first Ctrl-C (or SIGTERM) stops it cleanly (local trials go back to
 * the queue; remote ones carry on and are collected on resume); a second one exits at once.
 */
export async function driveStudy(store: StudyStore, kind: 'run' | 'resume', options: DriveOptions = {}): Promise<StudyRunResult> {
  const config = storedConfig(store);
  // What the objective says every output must say (e.g. synthetic data): on stderr, even with --quiet.
  for (const note of config.notes ?? []) console.error(`Warning: ${note}`);
  const started = Date.now();
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      console.error('stopping: running trials are put back in the queue (press Ctrl-C again to quit at once)');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // On a terminal, a status block stays at the bottom under the log lines; elsewhere, plain lines only.
  const live =
    !options.quiet && process.stdout.isTTY
      ? new LiveProgress({
          budget: config.budget.evaluations,
          wallSeconds: config.budget.wallSeconds,
          startedAt: started,
          columns: process.stdout.columns || 100,
          write: (text) => process.stdout.write(text),
        })
      : null;
  const redraw = live ? setInterval(() => live.print([]), 1000) : null;
  redraw?.unref();
  const print = (line: string) => {
    if (options.quiet) return;
    if (live) live.print([line]);
    else console.log(line);
  };
  try {
    let result: StudyRunResult;
    try {
      result = await runStudy(
        store,
        kind,
        {
          log: print,
          onEvent: (event, snapshot) => {
            live?.update(event, snapshot);
            const line = event.type === 'result' && options.everyTrial === false ? null : progressLine(event, snapshot, config.budget.evaluations, started);
            if (line) print(line);
            else live?.print([]);
          },
        },
        controller.signal,
      );
    } finally {
      if (redraw) clearInterval(redraw);
    }
    const dir = studyDirLabel(store);
    const how =
      result.reason === 'finished'
        ? 'finished'
        : result.reason === 'budget'
          ? 'stopped: budget spent'
          : result.reason === 'interrupted'
            ? 'interrupted'
            : 'has nothing left to run';
    console.log(`Study ${config.name} ${how}: ${countsLine(result.counts)} in ${formatSeconds(result.seconds)}.`);
    console.log(bestLine(result.best));
    console.log(`Results are in ${store.path}`);
    console.log(`  spikeopt status ${dir}`);
    console.log(`  spikeopt export ${dir} --format csv --out ${config.name}.csv`);
    if (result.reason === 'interrupted' || result.reason === 'budget') console.log(`  spikeopt resume ${dir}    (continue it)`);
    if (result.reason === 'interrupted') process.exitCode = 130;
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .argument('<study.yaml>', 'study configuration file (YAML)')
    .description('create a study from a config file and run it (worker threads, or remote workers through Redis)')
    .option('--scale <name>', "merge the config's scales.NAME override in first (e.g. small); stored with the study")
    .option('--quiet', 'print only the summary')
    .addHelpText(
      'after',
      `
The config names the objective, the space, the optimizer, the budget, how trials run and where the study is
stored (default: studies/NAME in the current folder). See docs/execution.md, examples/ and experiments/.

A config may hold a top-level map "scales: { NAME: { ...fields to override... } }"; --scale NAME deep-merges
that entry into the config before it is checked (mappings merge key by key, lists and values replace). Without
--scale the map is ignored. The scale is stored with the study, so resume runs it the same way.

Examples:
  $ spikeopt run examples/ackley-local.yaml
  $ spikeopt run experiments/exp1-stdp-mnist.yaml --scale small   # the laptop version of experiment 1
  $ spikeopt run examples/hartmann-distributed.yaml     # then start workers: spikeopt worker --broker ... --objective ...`,
    )
    .action(async (file: string, flags: { quiet?: boolean; scale?: string }) => {
      const { config, source } = loadStudyConfig(file, flags.scale ?? null);
      // An unreachable broker is found before the study exists, so that fixing the URL and running again works.
      if (config.execution.mode === 'distributed') {
        const { checkBroker } = await import('../../execute/distributed/broker.js');
        await checkBroker({ url: config.execution.broker!, tlsCa: config.execution.tlsCa });
      }
      const store = await createStudy(config, source, file);
      try {
        if (!flags.quiet) {
          const scale = config.scale ? `, scale ${config.scale}` : '';
          console.log(`Study ${config.name} created in ${studyDirLabel(store)} (${config.execution.mode}, ${config.optimizer.name}${scale}).`);
        }
        await driveStudy(store, 'run', { quiet: flags.quiet });
      } finally {
        store.close();
      }
    });
}
