/**
 * `npm run bench`: the standard benchmark set, written as one JSON file under bench/results/
 * (git-ignored) and summarised on stdout. Every ratio is taken within one run, measurements
 * interleaved, and the machine's load average is recorded before and after, because on a shared
 * machine a lone timing means little.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stepFlops } from '../worker/bench/bench-case.js';
import { resolveBenchOptions, runBenchSuite, type BenchRow } from '../worker/bench/bench-suite.js';
import { dashboardLoad } from './dashboard-load.js';
import { fitLogLog, median } from '../shared/stats.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RATIO_REPEATS = 5;
/** The reference step: d = 2, width 256, 4096 samples, full-batch Adam. */
const RATIO_CASE = { dim: 2, width: 256, samples: 4096 } as const;

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

function python(script: string, args: readonly (string | number)[]): unknown {
  const result = spawnSync('python3', [join(REPO, 'bench', script), ...args.map(String)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  if (result.status !== 0) throw new Error(`${script}: ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? 'null');
}

function hasNumpy(): boolean {
  return spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}

async function ratios(numpy: boolean) {
  const options = await resolveBenchOptions({
    backends: ['fused', 'wasm', 'cpu'],
    dims: [RATIO_CASE.dim],
    widths: [RATIO_CASE.width],
    samples: [RATIO_CASE.samples],
    steps: 200,
    repeats: 1,
    budgetMs: 3000,
  });
  const rounds: Array<{ rows: BenchRow[]; numpyMs: number | null }> = [];
  for (let r = 0; r < RATIO_REPEATS; r++) {
    const rows = await runBenchSuite(options, log);
    const numpyMs = numpy
      ? (
          python('numpy_step.py', [RATIO_CASE.dim, RATIO_CASE.width, RATIO_CASE.samples, 50]) as {
            ms_per_step: number;
          }
        ).ms_per_step
      : null;
    if (numpyMs !== null) log(`round ${r + 1}: numpy ${numpyMs.toFixed(3)} ms/step`);
    rounds.push({ rows, numpyMs });
  }
  const msOf = (backend: string, round: (typeof rounds)[number]): number =>
    round.rows.find((row) => row.backend === backend)?.ms_per_step ?? Number.NaN;
  const backendMs = (b: string): number => median(rounds.map((round) => msOf(b, round)));
  const ratioTo = (other: (round: (typeof rounds)[number]) => number): number =>
    median(rounds.map((round) => other(round) / msOf('fused', round)));
  return {
    case: RATIO_CASE,
    ms_per_step: {
      fused: backendMs('fused'),
      wasm: backendMs('wasm'),
      cpu: backendMs('cpu'),
      numpy: numpy
        ? median(rounds.map((r) => r.numpyMs ?? Number.NaN).filter((v) => !Number.isNaN(v)))
        : null,
    },
    speedup_vs_wasm: ratioTo((round) => msOf('wasm', round)),
    speedup_vs_cpu: ratioTo((round) => msOf('cpu', round)),
    speedup_vs_numpy: numpy ? ratioTo((round) => round.numpyMs ?? Number.NaN) : null,
    rounds: rounds.map((round) => ({
      ...Object.fromEntries(round.rows.map((row) => [row.backend, row.ms_per_step])),
      numpy: round.numpyMs,
    })),
  };
}

async function scaling() {
  const widths = [64, 128, 256, 512, 1024, 2048, 4096];
  const samples = [1024, 2048, 4096, 8192, 16384];
  const run = async (w: number[], n: number[], dims: number[]) =>
    runBenchSuite(
      await resolveBenchOptions({
        backends: ['fused'],
        dims,
        widths: w,
        samples: n,
        steps: 200,
        repeats: 3,
      }),
      log,
    );
  const byWidth = await run(widths, [4096], [2]);
  const bySamples = await run([256], samples, [2]);
  const byDim = await run([256], [4096], [1, 2, 4, 16]);
  return {
    by_width: byWidth,
    width_slope: fitLogLog(
      byWidth.map((r) => r.width),
      byWidth.map((r) => r.ms_per_step),
    ).slope,
    by_samples: bySamples,
    samples_slope: fitLogLog(
      bySamples.map((r) => r.samples),
      bySamples.map((r) => r.ms_per_step),
    ).slope,
    by_dim: byDim,
  };
}

/** Per-task overhead of a real sweep: run wall time minus the tasks' own wall times. */
function sweepOverhead() {
  const dir = mkdtempSync(join(tmpdir(), 'widthsweep-bench-'));
  try {
    const spec = join(dir, 'overhead.yaml');
    const db = join(dir, 'overhead.sqlite');
    writeFileSync(
      spec,
      'name: overhead\ngrid:\n  dims: [1]\n  widths: [16, 64]\n  seeds: [0, 1, 2, 3, 4]\n  targets: [sine]\n',
    );
    const cli = join(REPO, 'bin', 'widthsweep.js');
    const run = spawnSync(
      process.execPath,
      [cli, 'run', spec, '--db', db, '--threads', '1', '--backend', 'fused', '--json'],
      {
        encoding: 'utf8',
      },
    );
    if (run.status !== 0) throw new Error(`overhead sweep failed: ${run.stderr}`);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      wallMs: number;
      trained: number;
    };
    const query = spawnSync(
      process.execPath,
      [
        cli,
        'query',
        "SELECT count(*) AS tasks, sum(wall_ms) AS wall, sum(train_ms) AS train, min(wall_ms) AS shortest FROM task_results WHERE study = 'overhead'",
        '--db',
        db,
        '--format',
        'json',
      ],
      { encoding: 'utf8' },
    );
    const [row] = JSON.parse(query.stdout) as Array<{
      tasks: number;
      wall: number;
      train: number;
      shortest: number;
    }>;
    if (row === undefined) throw new Error('overhead sweep: no results');
    const perTask = (summary.wallMs - row.wall) / row.tasks;
    return {
      tasks: row.tasks,
      run_wall_ms: summary.wallMs,
      task_wall_ms: row.wall,
      task_train_ms: row.train,
      overhead_ms_per_task: perTask,
      overhead_share_of_shortest_task: perTask / row.shortest,
      overhead_share_of_mean_task: perTask / (row.wall / row.tasks),
      in_task_non_training_ms: (row.wall - row.train) / row.tasks,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const numpy = hasNumpy();
  const peak = numpy ? (python('matmul_peak.py', [2048]) as { gflops: number }).gflops : null;
  log(`float32 matmul peak (numpy, 1 thread): ${peak?.toFixed(1) ?? 'n/a'} GFLOP/s`);
  const ratio = await ratios(numpy);
  const scale = await scaling();
  const overhead = sweepOverhead();
  const dashboard = await dashboardLoad(log);
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.versions.node },
    load_average_before: loadBefore,
    load_average_after: loadavg(),
    flops_per_step: 'samples x width x (4 dim + 6 outputs + 3), see worker/bench/bench-case.ts',
    matmul_peak_gflops: peak,
    reference_step: {
      ...ratio,
      fused_gflops:
        stepFlops(RATIO_CASE.dim, RATIO_CASE.width, RATIO_CASE.samples) /
        ratio.ms_per_step.fused /
        1e6,
    },
    scaling: scale,
    sweep_overhead: overhead,
    dashboard,
  };
  const outDir = join(process.cwd(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const ms = ratio.ms_per_step;
  process.stdout.write(
    [
      `reference step (d=2, width 256, 4096 samples, full-batch Adam), median of ${RATIO_REPEATS} interleaved rounds:`,
      `  fused ${ms.fused.toFixed(3)} ms, wasm ${ms.wasm.toFixed(2)} ms, cpu ${ms.cpu.toFixed(1)} ms, numpy ${ms.numpy?.toFixed(2) ?? 'n/a'} ms`,
      `  fused is ${ratio.speedup_vs_wasm.toFixed(1)}x wasm, ${ratio.speedup_vs_cpu.toFixed(0)}x cpu, ${ratio.speedup_vs_numpy?.toFixed(1) ?? 'n/a'}x numpy (1 thread)`,
      `  fused ${report.reference_step.fused_gflops.toFixed(1)} GFLOP/s vs float32 matmul peak ${peak?.toFixed(1) ?? 'n/a'} GFLOP/s`,
      `cost vs width (64-4096): log-log slope ${scale.width_slope.toFixed(2)}; vs samples (1024-16384): ${scale.samples_slope.toFixed(2)}`,
      `sweep overhead: ${overhead.overhead_ms_per_task.toFixed(2)} ms per task = ${(100 * overhead.overhead_share_of_mean_task).toFixed(2)}% of a mean task`,
      `dashboard, ${dashboard.tasks}-task study: study page ${dashboard.study_page.median_ms.toFixed(0)} ms (median; cold ${dashboard.study_page.cold_ms.toFixed(0)} ms), studies page ${dashboard.studies_page.median_ms.toFixed(0)} ms, full analysis behind its plots ${(dashboard.study_analysis_ms / 1000).toFixed(1)} s, result to event stream ${dashboard.result_to_event_ms.toFixed(0)} ms`,
      `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${report.load_average_after.map((l) => l.toFixed(2)).join(' ')}`,
      `written to ${file}`,
    ].join('\n') + '\n',
  );
}

await main();
