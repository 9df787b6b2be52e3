/**
 * `spikeopt report STUDY`: writes one self-contained HTML report of a study (figures, best trials, settings) and,
 * with --figures, every figure as SVG and PNG.
 */
import { join, resolve, dirname } from 'node:path';
import type { Command } from 'commander';
import { locateStudy } from '../../study/locate.js';
import { writeReport } from '../../report/report.js';
import { UserError } from '../../util/errors.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<study>', 'study folder, its study.sqlite file, or its YAML config')
    .description('write an HTML report of a study (figures, best trials, settings), and its figures as SVG and PNG')
    .option('--out <file.html>', 'HTML file to write (default: report.html in the study folder)')
    .option('--figures <dir>', 'also write every figure as DIR/ID.svg and DIR/ID.png')
    .addHelpText(
      'after',
      `
The report is one HTML file with everything inline (no network needed to open it): the evaluation timeline,
the share of compute on stopped vs fully trained evaluations, the best objective over evaluations and wall
time, the trust-region length, objective vs each constraint, parallel coordinates, hyperparameter importance,
the best trials and the study settings. It works on running studies too. See docs/report.md.

Examples:
  $ spikeopt report studies/ackley
  $ spikeopt report studies/ackley --out ackley.html --figures figures/`,
    )
    .action((given: string, flags: { out?: string; figures?: string }) => {
      const path = locateStudy(given);
      const out = resolve(flags.out ?? join(dirname(path), 'report.html'));
      if (!out.toLowerCase().endsWith('.html') && !out.toLowerCase().endsWith('.htm')) throw new UserError(`--out must name an .html file, got '${flags.out}'.`);
      let summary;
      try {
        summary = writeReport(path, { out, figuresDir: flags.figures === undefined ? undefined : resolve(flags.figures) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EROFS') throw new UserError(`Cannot write the report: ${(err as Error).message}.`);
        throw err;
      }
      console.log(`Report written to ${summary.out} (${(summary.bytes / 1024).toFixed(0)} KiB, ${summary.figures.length} figures, ${summary.seconds.toFixed(2)} s).`);
      if (flags.figures !== undefined) console.log(`Figures (SVG and PNG) written to ${resolve(flags.figures)}.`);
    });
}
