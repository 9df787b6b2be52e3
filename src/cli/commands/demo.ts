/**
 * `spikeopt demo` (what `npm start` runs): a real study on the constrained 10-D Ackley benchmark, run the way
 * every study runs: SCBO in its own thread, evaluations on worker threads, every record in an SQLite study
 * database, progress as it goes, a summary and a CSV export at the end. It stands in for the SNN studies until
 * those exist.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { exportStudy } from '../../storage/export.js';
import { parseStudyConfig } from '../../study/config.js';
import { createStudy } from '../../study/create.js';
import { integerOption } from '../options.js';
import { driveStudy, studyDirLabel } from './run.js';

interface DemoFlags {
  budget: number;
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
    .description('run a short SCBO study on the constrained 10-D Ackley problem on worker threads (what npm start runs)')
    .option('--budget <n>', 'number of evaluations', integerOption('--budget', 1), 200)
    .option('--seed <s>', 'random seed', integerOption('--seed', 0), 0)
    .option('--workers <n>', 'worker threads (default: one per core)', integerOption('--workers', 1))
    .option('--dir <folder>', 'study folder (default: studies/demo-DATE-TIME)')
    .addHelpText(
      'after',
      `
Examples:
  $ npm start
  $ spikeopt demo --budget 200 --seed 3 --workers 2 --dir studies/my-demo`,
    )
    .action(async (flags: DemoFlags) => {
      const workers = flags.workers ?? availableParallelism();
      const dir = resolve(flags.dir ?? join('studies', `demo-${stamp()}`));
      const config = parseStudyConfig(
        {
          name: 'demo',
          seed: flags.seed,
          objective: 'ackley10c',
          optimizer: { name: 'scbo', preset: 'default', batchSize: 4, initialSize: 10 },
          budget: { evaluations: flags.budget },
          execution: { mode: 'local', workers },
          storage: { path: dir },
        },
        'the demo',
        process.cwd(),
      );
      const store = await createStudy(config, null, 'the demo');
      try {
        console.log(`SCBO on ackley10c: minimise 10-D Ackley on [-5, 10]^10 subject to sum(x) <= 0 and ||x|| <= 5 (optimum 0).`);
        console.log(`${flags.budget} evaluations on ${workers} worker thread${workers === 1 ? '' : 's'}, batches of 4; study in ${studyDirLabel(store)}.`);
        const result = await driveStudy(store, 'run', { everyTrial: false });
        if (result.reason === 'finished') {
          const csv = join(dir, 'trials.csv');
          writeFileSync(csv, exportStudy(store, 'csv'));
          console.log(`Every trial as CSV: ${csv}`);
        }
      } finally {
        store.close();
      }
    });
}
