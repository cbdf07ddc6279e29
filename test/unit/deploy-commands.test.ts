import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/cli.js';
import {
  checkCommandLine,
  cliHelp,
  commandLinesInFile,
  commandLinesInText,
  prefetchHelp,
} from '../helpers/deploy-commands.js';
import type { CommandLine } from '../helpers/deploy-commands.js';
import { listDeployFiles } from '../helpers/deploy-files.js';

/** The README's cluster section, which documents the same commands. */
function readmeClusterSection(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Running on a cluster');
  assert.ok(start >= 0, 'README.md has no "Running on a cluster" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

function allCommandLines(): CommandLine[] {
  return [
    ...listDeployFiles().flatMap(commandLinesInFile),
    ...commandLinesInText('README.md#running-on-a-cluster', readmeClusterSection()),
  ];
}

test('deploy commands - every widthsweep command line uses only flags its --help lists', async () => {
  const lines = allCommandLines();
  const known = new Set(cliHelp().commands);
  await prefetchHelp([...new Set(lines.map((l) => l.argv[0] ?? ''))].filter((c) => known.has(c)));
  const problems = lines.flatMap((line) =>
    checkCommandLine(line).map((p) => `${line.file}: widthsweep ${line.argv.join(' ')}\n    ${p}`),
  );
  assert.deepEqual(problems, []);
});

test('deploy commands - each deployment file yields the commands it is known to run', () => {
  // Guards the extractor: a file whose commands it stopped seeing would pass the check above.
  const expected: Record<string, readonly string[]> = {
    'docker/Dockerfile': ['worker'],
    'docker/Dockerfile.gpu': ['worker'],
    'docker/compose.yaml': ['worker', 'run', 'status'],
    'k8s/base/coordinator-job.yaml': ['run'],
    'k8s/workers/cpu/worker-cpu.yaml': ['worker'],
    'k8s/workers/gpu/worker-gpu.yaml': ['worker'],
    'k8s/overlays/gpu/worker-gpu-default-pool.yaml': ['worker'],
    'k8s/tools/db-shell.yaml': ['status'],
    'slurm/worker.sbatch': ['worker'],
    'slurm/worker-gpu.sbatch': ['worker'],
    'slurm/coordinator.sh': ['run', 'collect', 'status'],
    'systemd/widthsweep-worker@.service': ['worker'],
    'README.md': ['worker', 'run', 'collect', 'status'],
    'README.md#running-on-a-cluster': ['worker', 'run', 'collect', 'status'],
  };
  const seen = new Map<string, Set<string>>();
  for (const line of allCommandLines()) {
    const commands = seen.get(line.file) ?? new Set<string>();
    commands.add(line.argv[0] ?? '');
    seen.set(line.file, commands);
  }
  const missing = Object.entries(expected).flatMap(([file, commands]) =>
    commands.filter((c) => !seen.get(file)?.has(c)).map((c) => `${file}: widthsweep ${c}`),
  );
  assert.deepEqual(missing, []);
});

test('deploy commands - the check catches an unknown flag, a bad choice and an unknown command', () => {
  const lines = [
    ...commandLinesInText('t.sh', 'srun widthsweep worker --thread 4 --grace 60 \\\n  --pool gpu'),
    ...commandLinesInText('t.sh', '# widthsweep worker --backend tfjs-gpu --metrics-port 9464'),
    ...commandLinesInText('Dockerfile', 'CMD ["widthsweep", "wrker", "--threads", "2"]'),
    ...commandLinesInText(
      't.sh',
      'widthsweep run s.yaml --nats --db r.sqlite && widthsweep collect x --onse',
    ),
  ];
  const problems = lines.flatMap((l) => checkCommandLine(l));
  const expected = [
    /^worker: --thread is not in its --help$/,
    // The choices themselves come from the CLI, which gains backends over time.
    /^worker: --backend tfjs-gpu is not one of auto, .*tfjs-node-gpu/,
    /^unknown command "wrker"$/,
    /^collect: --onse is not in its --help$/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  expected.forEach((re, i) => assert.match(problems[i] ?? '', re));
});

test('deploy commands - prose and values are not taken for flags', () => {
  const lines = commandLinesInText(
    'README.md',
    [
      'One widthsweep worker per node, each with `--threads` cores.',
      'widthsweep worker --name "$(hostname)-gpu" --threads ${SLURM_CPUS_PER_TASK} # --bogus in a comment',
      'kubectl exec job/x -- widthsweep status --db /data/r.sqlite | head',
    ].join('\n'),
  );
  assert.deepEqual(
    lines.map((l) => l.argv),
    [
      ['worker', 'per', 'node,', 'each', 'with'],
      ['worker', '--name', '$(hostname)-gpu', '--threads', '${SLURM_CPUS_PER_TASK}'],
      ['status', '--db', '/data/r.sqlite'],
    ],
  );
  assert.deepEqual(
    lines.flatMap((l) => checkCommandLine(l)),
    [],
  );
});
