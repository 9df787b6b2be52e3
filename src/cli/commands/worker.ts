/**
 * `spikeopt worker --broker URL --objective NAME|FILE`: a worker process for distributed studies, on any machine
 * that reaches the broker. It runs only the objective named here (never code from the queue), one trial per
 * thread, and keeps going across broker restarts until stopped with Ctrl-C / SIGTERM (which lets running trials
 * finish; a second signal stops at once, and the master retries those trials elsewhere).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { parseObjectiveArgument } from '../../study/registry.js';
import { UserError } from '../../util/errors.js';
import { integerOption } from '../options.js';

interface WorkerFlags {
  broker: string;
  objective: string;
  options?: string;
  concurrency: number;
  prefix: string;
  tlsCa?: string;
  lockSeconds: number;
  stalledSeconds: number;
  heartbeat: number;
  id?: string;
}

function secondsOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects a positive number of seconds, got '${value}'`);
    return n;
  };
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('serve trials of distributed studies from a Redis broker, running one objective registered here')
    .requiredOption('--broker <url>', 'redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://... for TLS (password also from SPIKEOPT_REDIS_PASSWORD)')
    .requiredOption('--objective <name|file>', 'a registered objective (e.g. ackley10c) or an ES module file exporting space and evaluate')
    .option('--options <json>', 'options of a registered objective, as JSON (studies must use the same options)')
    .option('--concurrency <n>', 'trials run at once, one thread each', integerOption('--concurrency', 1), 1)
    .option('--prefix <prefix>', 'key prefix of the queues in Redis (as the study config)', 'spikeopt')
    .option('--tls-ca <file>', 'PEM certificate authority for a rediss:// broker with a private CA')
    .option('--lock-seconds <s>', 'a worker silent this long is presumed dead and its trial retried elsewhere', secondsOption('--lock-seconds'), 30)
    .option('--stalled-seconds <s>', 'how often to look for trials of dead workers', secondsOption('--stalled-seconds'), 15)
    .option('--heartbeat <s>', 'seconds between heartbeats (shown by spikeopt status)', secondsOption('--heartbeat'), 5)
    .option('--id <id>', 'worker id shown in the study (default HOST-PID)')
    .addHelpText(
      'after',
      `
Workers connect out to the broker and listen on nothing. Keep Redis itself off public interfaces, with a password
(requirepass or ACL) and TLS across networks: see docs/execution.md.

Examples:
  $ spikeopt worker --broker redis://127.0.0.1:6379 --objective hartmann6c
  $ SPIKEOPT_REDIS_PASSWORD=secret spikeopt worker --broker rediss://queue.lab:6380 --tls-ca ca.pem --objective ./my-objective.mjs --concurrency 2`,
    )
    .action(async (flags: WorkerFlags) => {
      let options: unknown;
      if (flags.options !== undefined) {
        try {
          options = JSON.parse(flags.options);
        } catch {
          throw new UserError(`--options must be JSON, such as '{"repeat": 100000}'.`);
        }
      }
      // Loaded here so that other commands do not pay for BullMQ at start-up.
      const { RemoteWorker } = await import('../../execute/distributed/remote-worker.js');
      const worker = new RemoteWorker({
        broker: { url: flags.broker, tlsCa: flags.tlsCa ?? null },
        prefix: flags.prefix,
        objective: parseObjectiveArgument(flags.objective, process.cwd(), options),
        concurrency: flags.concurrency,
        lockSeconds: flags.lockSeconds,
        stalledSeconds: flags.stalledSeconds,
        heartbeatSeconds: flags.heartbeat,
        id: flags.id,
        log: (line) => console.log(`${new Date().toISOString()} ${line}`),
      });
      await worker.start();
      await new Promise<void>((resolve) => {
        let signals = 0;
        const stop = () => {
          signals++;
          if (signals === 1) console.log('stopping: finishing running trials (signal again to stop at once)');
          void worker.close(signals > 1).then(() => {
            console.log(`worker ${worker.id} stopped after ${worker.completed} trial${worker.completed === 1 ? '' : 's'}`);
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
