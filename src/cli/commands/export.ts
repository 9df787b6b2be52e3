/**
 * `spikeopt export STUDY --format csv|json|reference-csv`: the study's records as a file (or on stdout).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { locateStudy } from '../../study/locate.js';
import { EXPORT_FORMATS, exportStudy, type ExportFormat } from '../../storage/export.js';
import { StudyStore } from '../../storage/study-store.js';
import { scboSettings } from '../../optimize/scbo/settings.js';
import { storedConfig } from '../../study/runner.js';
import { UserError } from '../../util/errors.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .argument('<study>', 'study folder, its study.sqlite file, or its YAML config')
    .description('write the study as CSV (one row per trial), JSON (everything) or the reference\'s all_evaluations.csv layout')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('csv'))
    .option('--out <file>', 'output file (default: standard output)')
    .addHelpText(
      'after',
      `
Formats:
  csv            one row per trial: state, objective, constraints, parameters, metrics, attempts, workers, optimizer info
  json           the whole study: config, trials, attempts, optimizer journal, models, workers, sessions, events
  reference-csv  columns of the reference's all_evaluations.csv (hyperparameters, outputs, constraint_i, objective,
                 eval_time, start/end time and date, iteration, algorithm, length, trestart, model)

Examples:
  $ spikeopt export studies/ackley --format csv --out ackley.csv
  $ spikeopt export studies/ackley --format reference-csv --out all_evaluations.csv
  $ spikeopt export studies/ackley --format json | jq '.trials | length'`,
    )
    .action((given: string, flags: { format: ExportFormat; out?: string }) => {
      const store = StudyStore.open(locateStudy(given));
      try {
        const config = storedConfig(store);
        const lengthMin =
          config.optimizer.name === 'scbo'
            ? scboSettings(config.optimizer.preset, { ...config.optimizer.settings, batchSize: config.optimizer.batchSize, initialSize: config.optimizer.initialSize ?? 1 }).lengthMin
            : undefined;
        const text = exportStudy(store, flags.format, { lengthMin });
        if (flags.out === undefined) {
          process.stdout.write(text);
          return;
        }
        const path = resolve(flags.out);
        try {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, text);
        } catch (err) {
          throw new UserError(`Could not write ${flags.out}: ${(err as Error).message}.`);
        }
        console.log(`Wrote ${store.trialCount()} trials as ${flags.format} to ${flags.out}.`);
      } finally {
        store.close();
      }
    });
}
