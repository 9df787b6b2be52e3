/**
 * The `spikeopt` command line. Each sub-command lives in its own module under `commands/` and registers itself
 * on the shared commander program here.
 */
import { Command, CommanderError } from 'commander';
import { registerOptimize } from './commands/optimize.js';
import { registerDemo } from './commands/demo.js';
import { registerData } from './commands/data.js';
import { registerRun } from './commands/run.js';
import { registerResume } from './commands/resume.js';
import { registerWorker } from './commands/worker.js';
import { registerStatus } from './commands/status.js';
import { registerExport } from './commands/export.js';
import { registerReport } from './commands/report.js';
import { registerDashboard } from './commands/dashboard.js';
import { UserError } from '../util/errors.js';

/** Builds the full command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('spikeopt')
    .description('Parallel constrained hyperparameter optimisation of spiking neural networks')
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerOptimize(program);
  registerData(program);
  registerRun(program);
  registerResume(program);
  registerWorker(program);
  registerStatus(program);
  registerExport(program);
  registerReport(program);
  registerDashboard(program);
  return program;
}

/** Runs the CLI; user mistakes print one sentence and exit non-zero, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof UserError) {
      console.error(`spikeopt: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
