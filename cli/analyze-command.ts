import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../shared/errors.js';
import { analyzeStudy } from '../coordinator/analysis/analyze-study.js';
import { resolveAnalysisOptions } from '../coordinator/analysis/options.js';
import type { AnalysisOptions, ResolvedAnalysisOptions } from '../coordinator/analysis/options.js';
import { loadPredictions, loadStudy, openForAnalysis } from '../coordinator/analysis/load.js';
import { analysisJson, analysisMarkdown, analysisText } from '../coordinator/analysis/render.js';
import { storedSearchState, withEpsSearch } from '../coordinator/search/search-analysis.js';
import { SqliteReadModel } from '../coordinator/store/sqlite-read-model.js';
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
  minRateWidths?: string;
  estimationGap?: string;
  optimisationGap?: string;
  floorStderrs?: string;
  floorL1?: string;
  maxExtrapolation?: string;
}

/** The decomposition thresholds a flag sets: option name -> flag and help. */
const THRESHOLD_FLAGS = {
  minRateWidths: ['--min-rate-widths <n>', 'fewest falling widths a rate is fitted from (3)'],
  estimationGap: [
    '--estimation-gap <ratio>',
    'evaluation / training-set L1 above which a width is sample-limited (2)',
  ],
  optimisationGap: [
    '--optimisation-gap <ratio>',
    'trained / best reference above which a width is optimiser-limited (3)',
  ],
  floorStderrs: [
    '--floor-stderrs <k>',
    'a median L1 within k standard errors is at the evaluation floor (3)',
  ],
  floorL1: ['--floor-l1 <x>', 'a median L1 below x is at the evaluation floor (1e-6)'],
  maxExtrapolation: [
    '--max-extrapolation <k>',
    'extrapolate eps-widths up to k x the widest width measured (16)',
  ],
} as const;

type Threshold = keyof typeof THRESHOLD_FLAGS;

/**
 * The analysis options from the flags, resolved here so that a bad value exits 2 naming the flag
 * (`--estimation-gap: expected a number > 1, got 0.5`) before anything is read.
 */
export function analysisOptionsFromFlags(
  eps: readonly number[],
  flags: Partial<Record<Threshold, string>>,
): ResolvedAnalysisOptions {
  const options: AnalysisOptions = { eps };
  for (const key of Object.keys(THRESHOLD_FLAGS) as Threshold[]) {
    const text = flags[key];
    if (text !== undefined) options[key] = text.trim() === '' ? Number.NaN : Number(text);
  }
  try {
    return resolveAnalysisOptions(options);
  } catch (err) {
    if (err instanceof ValidationError && err.field in THRESHOLD_FLAGS) {
      const flag = THRESHOLD_FLAGS[err.field as Threshold][0].split(' ')[0] ?? err.field;
      const detail = err.message.slice(err.field.length + 2);
      throw new ValidationError(flag, detail, { cause: err });
    }
    throw err;
  }
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .description(
      'convergence analysis of a study: rates with intervals, saturation, eps-widths, gaps to the reference approximants, verdicts',
    )
    .argument('<study>', 'study name')
    .addOption(dbOption())
    .addOption(choiceOption('--format <format>', 'output format', FORMATS, 'table'))
    .option('--report <file>', 'also write a self-contained HTML report with plots')
    .option('--eps <list>', 'comma-separated error levels in (0, 1)', '1e-2,1e-3');
  for (const [flag, help] of Object.values(THRESHOLD_FLAGS)) command.option(flag, help);
  command.action(async (study: string, flags: AnalyzeFlags) => {
    const options = analysisOptionsFromFlags(parseEpsList(flags.eps), flags);
    const db = openForAnalysis(flags.db);
    try {
      const data = loadStudy(db, study);
      const analysis = analyzeStudy(data, options);
      // Replayed once, for the JSON's brackets and the report's marks alike.
      const state =
        flags.format === 'json' || flags.report !== undefined
          ? storedSearchState(new SqliteReadModel(db), data.spec)
          : undefined;
      const out =
        flags.format === 'json'
          ? JSON.stringify(withEpsSearch(analysisJson(analysis), state, data.spec))
          : flags.format === 'markdown'
            ? analysisMarkdown(analysis)
            : analysisText(analysis);
      process.stdout.write(`${out}\n`);
      if (flags.report !== undefined) {
        // Loaded on demand: vega and vega-lite add ~0.3 s to every CLI start otherwise.
        const { buildReport } = await import('../coordinator/report/report.js');
        const { searchMarks } = await import('../coordinator/report/search-layers.js');
        const search = state === undefined ? undefined : searchMarks(state);
        const html = await buildReport(analysis, data, (ids) => loadPredictions(db, ids), {
          search,
        });
        await writeFile(flags.report, html);
        process.stderr.write(`report written to ${flags.report}\n`);
      }
    } finally {
      db.close();
    }
  });
}
