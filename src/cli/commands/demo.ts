/**
 * `spikeopt demo`: a real study run the way every study runs: SCBO in its own thread, evaluations on worker
 * threads, every record in an SQLite study database, progress as it goes, a summary and a CSV export at the end.
 * `--snn` (what `npm start` runs) optimises the paper's Experiment 1 at tiny scale (Diehl & Cook STDP networks on
 * real MNIST, `experiments/exp1-stdp-mnist.yaml --scale tiny`, 2.5–4 minutes on 2 cores); without it, the
 * constrained 10-D Ackley benchmark (seconds). Each run gets a new folder, so the demo can be run again.
 */
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { exportStudy } from '../../storage/export.js';
import { parseStudyConfig, readStudyFile, type StudyConfig } from '../../study/config.js';
import type { StudyStore } from '../../storage/study-store.js';
import { UserError } from '../../util/errors.js';
import { createStudy } from '../../study/create.js';
import { integerOption } from '../options.js';
import { driveStudy, studyDirLabel } from './run.js';

/** The shipped Exp 1 study file: at the package root, above src/cli/commands (or dist/src/cli/commands). */
function exp1StudyFile(): string {
  for (const up of ['../../../', '../../../../']) {
    const file = fileURLToPath(new URL(`${up}experiments/exp1-stdp-mnist.yaml`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new UserError('spikeopt demo --snn: experiments/exp1-stdp-mnist.yaml is missing from the installed package.');
}

interface DemoFlags {
  snn?: boolean;
  budget?: number;
  seed: number;
  workers?: number;
  dir?: string;
}

/** A folder name that sorts by time: demo-20260127-143005. */
function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a short SCBO study on worker threads: Experiment 1 tiny with --snn (what npm start runs), else constrained 10-D Ackley')
    .option('--snn', 'optimise the paper\'s Experiment 1 at tiny scale (STDP on real MNIST, 2.5–4 minutes on 2 cores)')
    .option('--budget <n>', 'number of evaluations (default: 200 for Ackley, the study file\'s 868 with --snn)', integerOption('--budget', 1))
    .option('--seed <s>', 'random seed', integerOption('--seed', 0), 0)
    .option('--workers <n>', 'worker threads (default: one per core)', integerOption('--workers', 1))
    .option('--dir <folder>', 'study folder (default: studies/demo-DATE-TIME)')
    .addHelpText(
      'after',
      `
Examples:
  $ npm start
  $ spikeopt demo --snn --budget 100
  $ spikeopt demo --budget 200 --seed 3 --workers 2 --dir studies/my-demo`,
    )
    .action(async (flags: DemoFlags) => {
      if (flags.snn) return snnDemo(flags);
      const workers = flags.workers ?? availableParallelism();
      const budget = flags.budget ?? 200;
      const dir = resolve(flags.dir ?? join('studies', `demo-${stamp()}`));
      const config = parseStudyConfig(
        {
          name: 'demo',
          seed: flags.seed,
          objective: 'ackley10c',
          optimizer: { name: 'scbo', preset: 'default', batchSize: 4, initialSize: 10 },
          budget: { evaluations: budget },
          execution: { mode: 'local', workers },
          storage: { path: dir },
        },
        'the demo',
        process.cwd(),
      );
      await runDemo(config, 'the demo', (store) => {
        console.log(`SCBO on ackley10c: minimise 10-D Ackley on [-5, 10]^10 subject to sum(x) <= 0 and ||x|| <= 5 (optimum 0).`);
        console.log(`${budget} evaluations on ${workers} worker thread${workers === 1 ? '' : 's'}, batches of 4; study in ${studyDirLabel(store)}.`);
      });
    });
}

/** Experiment 1 at tiny scale from the shipped study file, in a new folder (seed and budget as given). */
async function snnDemo(flags: DemoFlags): Promise<void> {
  const file = exp1StudyFile();
  const { data } = readStudyFile(file);
  const dir = resolve(flags.dir ?? join('studies', `exp1-tiny-${stamp()}`));
  data.storage = { path: dir };
  data.seed = flags.seed;
  if (flags.budget !== undefined) data.budget = { evaluations: flags.budget };
  if (flags.workers !== undefined) data.execution = { ...(data.execution as object), workers: flags.workers };
  const config = parseStudyConfig(data, file, dirname(file), 'tiny');
  await runDemo(config, 'the SNN demo', (store) => {
    console.log('SCBO on Experiment 1 of the paper at tiny scale: Diehl & Cook STDP networks on real MNIST (1 000 / 500 images),');
    console.log(`validation accuracy maximised under the silent-network constraints; ${config.budget.evaluations} evaluations; study in ${studyDirLabel(store)}.`);
    console.log(`The same study: spikeopt run ${file} --scale tiny (--scale small: 5 000 images, where networks go silent as they train, about 9 minutes)`);
  });
}

/** Creates the study, prints the header, drives it, and exports every trial as CSV when it finished. */
async function runDemo(config: StudyConfig, what: string, header: (store: StudyStore) => void): Promise<void> {
  const store = await createStudy(config, null, what);
  try {
    header(store);
    const result = await driveStudy(store, 'run', { everyTrial: false });
    if (result.reason === 'finished') {
      const csv = join(config.storage.dir, 'trials.csv');
      writeFileSync(csv, exportStudy(store, 'csv'));
      console.log(`Every trial as CSV: ${csv}`);
    }
  } finally {
    store.close();
  }
}
