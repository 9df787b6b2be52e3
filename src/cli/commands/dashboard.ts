/**
 * `spikeopt dashboard STUDY`: serves a live page of a study on 127.0.0.1 until Ctrl-C.
 */
import type { Command } from 'commander';
import { locateStudy } from '../../study/locate.js';
import { startDashboard } from '../../dashboard/server.js';
import { integerOption } from '../options.js';
import { UserError } from '../../util/errors.js';

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .argument('<study>', 'study folder, its study.sqlite file, or its YAML config')
    .description('serve a live page of a study on 127.0.0.1 that updates as trials complete')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free port, printed)', integerOption('--port', 0))
    .addHelpText(
      'after',
      `
The page shows the counts, the best trial, the latest results and the report's figures, and updates within a
fraction of a second of each result (it reads the study database; run it beside spikeopt run or resume, or on a
finished study). It listens on 127.0.0.1 only: from another machine, use an SSH tunnel
(ssh -L 8080:127.0.0.1:8080 HOST). See docs/report.md.

Examples:
  $ spikeopt dashboard studies/ackley
  $ spikeopt dashboard studies/ackley --port 8080`,
    )
    .action(async (given: string, flags: { port?: number }) => {
      if (flags.port !== undefined && flags.port > 65535) throw new UserError(`--port expects a port number up to 65535, got ${flags.port}.`);
      const dashboard = await startDashboard({ studyPath: locateStudy(given), port: flags.port });
      console.log(`Dashboard of ${given} at ${dashboard.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void dashboard.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
