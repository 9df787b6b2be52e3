/**
 * `spikeopt optimize`: optimise any objective (a user ES module or a built-in benchmark problem) and write every
 * trial as JSON.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { createOptimizer, optimizerNames, type OptimizerName } from '../../optimize/create.js';
import type { PendingStrategy, ScboPreset } from '../../optimize/scbo/settings.js';
import { builtinObjective, loadObjectiveModule, type Objective } from '../../study/objective.js';
import { runOptimization, type TrialRecord } from '../../study/optimize-loop.js';
import { UserError } from '../../util/errors.js';
import { integerOption } from '../options.js';

interface OptimizeFlags {
  objective?: string;
  problem?: string;
  budget: number;
  batch: number;
  init?: number;
  seed: number;
  optimizer: OptimizerName;
  preset: ScboPreset;
  pending?: PendingStrategy;
  output?: string;
  quiet?: boolean;
}

export function registerOptimize(program: Command): void {
  program
    .command('optimize')
    .description('optimise an objective module (or a built-in benchmark problem) and write all trials as JSON')
    .option('--objective <file>', 'ES module exporting space, evaluate(params) and direction')
    .option('--problem <name>', 'built-in problem instead of a module: ackley10c, ackley20, gramacy, hartmann6c')
    .option('--budget <n>', 'number of evaluations', integerOption('--budget', 1), 100)
    .option('--batch <q>', 'points per batch, evaluated concurrently', integerOption('--batch', 1), 4)
    .option('--init <n>', 'initial random design size (default: max(2 * dimension, batch))', integerOption('--init', 1))
    .option('--seed <s>', 'random seed', integerOption('--seed', 0), 0)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...optimizerNames]).default('scbo'))
    .addOption(new Option('--preset <name>', 'SCBO variant').choices(['default', 'paper', 'tutorial']).default('default'))
    .addOption(new Option('--pending <strategy>', 'how SCBO treats running points').choices(['believer', 'exclude', 'ignore']))
    .option('--output <file>', 'where to write the JSON results (default: print a summary only)')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      `
Examples:
  $ spikeopt optimize --problem ackley10c --budget 200 --batch 4 --init 10 --seed 1 --output ackley.json
  $ spikeopt optimize --objective ./my-objective.mjs --budget 50 --optimizer random --output out.json`,
    )
    .action(async (flags: OptimizeFlags) => {
      await optimizeCommand(flags);
    });
}

async function optimizeCommand(flags: OptimizeFlags): Promise<void> {
  if (!flags.objective === !flags.problem) throw new UserError('give exactly one of --objective FILE or --problem NAME');
  const objective: Objective = flags.objective ? await loadObjectiveModule(flags.objective) : builtinObjective(flags.problem!);
  const initialSize = flags.init ?? Math.max(2 * objective.space.dimension, flags.batch);
  const optimizer = createOptimizer(flags.optimizer, objective.space, {
    seed: flags.seed,
    batchSize: flags.batch,
    initialSize,
    preset: flags.preset,
    scbo: flags.pending ? { pendingStrategy: flags.pending } : undefined,
  });
  const started = Date.now();
  const result = await runOptimization(objective, optimizer, {
    budget: flags.budget,
    batchSize: flags.batch,
    seed: flags.seed,
    onTrial: flags.quiet ? undefined : (t, all) => logTrial(t, all.length, flags.budget),
  });
  const seconds = (Date.now() - started) / 1000;
  if (flags.output) {
    const path = resolve(flags.output);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      JSON.stringify(
        {
          objective: objective.name,
          direction: objective.direction,
          optimizer: flags.optimizer,
          preset: flags.optimizer === 'scbo' ? flags.preset : undefined,
          seed: flags.seed,
          budget: flags.budget,
          batchSize: flags.batch,
          initialSize,
          seconds,
          trials: result.trials,
          best: result.best,
        },
        null,
        2,
      ) + '\n',
    );
  }
  const failed = result.trials.filter((t) => t.status === 'failed').length;
  console.log(
    `done: ${result.trials.length} evaluations in ${seconds.toFixed(1)} s, ${failed} failed; ` +
      (result.best ? `best ${result.best.objective} at ${JSON.stringify(result.best.params)}` : 'no feasible point found') +
      (flags.output ? `; results in ${flags.output}` : ''),
  );
}

function logTrial(t: TrialRecord, done: number, budget: number): void {
  const value = t.status === 'failed' ? `failed (${t.error})` : `${t.objective?.toPrecision(6)}${t.feasible ? '' : ' infeasible'}`;
  console.log(`[${done}/${budget}] ${t.info.phase} ${value}`);
}
