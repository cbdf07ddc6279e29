import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors.js';
import { analyzeStudy } from '../analysis/analyze-study.js';
import { loadPredictions, loadStudy, openForAnalysis } from '../analysis/load.js';
import { analysisJson, analysisMarkdown, analysisText } from '../analysis/render.js';
import { withEpsSearch } from '../search/search-analysis.js';
import { choiceOption, dbOption } from './arguments.js';

const FORMATS = ['table', 'markdown', 'json'] as const;

/**
 * `--eps 1e-2,1e-3` as numbers; each must lie in (0, 1), and a bad one is named by its position,
 * e.g. `--eps[1]: expected a number in (0, 1), got 2`.
 */
export function parseEpsList(text: string): number[] {
  return text.split(',').map((raw, i) => {
    const trimmed = raw.trim();
    const value = trimmed === '' ? Number.NaN : Number(trimmed);
    if (!(value > 0 && value < 1)) {
      const shown = Number.isNaN(value) ? JSON.stringify(trimmed) : trimmed;
      throw new ValidationError(`--eps[${i}]`, `expected a number in (0, 1), got ${shown}`);
    }
    return value;
  });
}

interface AnalyzeFlags {
  db: string;
  format: (typeof FORMATS)[number];
  report?: string;
  eps: string;
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description(
      'convergence analysis of a study: rates with intervals, saturation, eps-widths, gaps to the reference approximants, verdicts',
    )
    .argument('<study>', 'study name')
    .addOption(dbOption())
    .addOption(choiceOption('--format <format>', 'output format', FORMATS, 'table'))
    .option('--report <file>', 'also write a self-contained HTML report with plots')
    .option('--eps <list>', 'comma-separated error levels in (0, 1)', '1e-2,1e-3')
    .action(async (study: string, flags: AnalyzeFlags) => {
      const eps = parseEpsList(flags.eps);
      const db = openForAnalysis(flags.db);
      try {
        const data = loadStudy(db, study);
        const analysis = analyzeStudy(data, { eps });
        const out =
          flags.format === 'json'
            ? JSON.stringify(withEpsSearch(analysisJson(analysis), db, data.spec))
            : flags.format === 'markdown'
              ? analysisMarkdown(analysis)
              : analysisText(analysis);
        process.stdout.write(`${out}\n`);
        if (flags.report !== undefined) {
          // Loaded on demand: vega and vega-lite add ~0.3 s to every CLI start otherwise.
          const { buildReport } = await import('../report/report.js');
          const html = await buildReport(analysis, data, (ids) => loadPredictions(db, ids));
          await writeFile(flags.report, html);
          process.stderr.write(`report written to ${flags.report}\n`);
        }
      } finally {
        db.close();
      }
    });
}
