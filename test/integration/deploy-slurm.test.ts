import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { lastJsonLine, REPO_ROOT, runCli } from '../helpers/cli.js';
import { FakeSlurm } from '../helpers/fake-slurm.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-slurm-');
const jobPids = new Set<number>();
after(() => {
  for (const pid of jobPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already ended.
    }
  }
  dir.remove();
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(200);
  }
}

test(
  'deploy slurm - coordinator.sh publishes and submits, worker.sbatch trains and stops on TERM',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start();
    const slurm = new FakeSlurm(dir.path, 1);
    const env = { PATH: slurm.path, WIDTHSWEEP_NATS_URL: server.url };
    try {
      const spec = join(dir.path, 'slurm-study.yaml');
      writeFileSync(
        spec,
        'name: slurm-study\ngrid:\n  dims: [1]\n  widths: [4, 8]\n  seeds: [0, 1]\n  targets: [sine]\n' +
          'train:\n  steps: 20\n  samples: 32\neval:\n  samples: 256\n',
      );
      const db = join(dir.path, 'slurm.sqlite');
      const coordinator = spawnSync(
        'bash',
        [join(REPO_ROOT, 'deploy/slurm/coordinator.sh'), spec, db, '1'],
        { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(coordinator.status, 0, coordinator.stderr);
      assert.match(coordinator.stderr, /4 task\(s\) published/);
      assert.match(coordinator.stderr, /widthsweep collect slurm-study --nats/);
      // No routing in the spec: CPU workers only.
      const jobs = slurm.submitted();
      assert.deepEqual(
        jobs.map((j) => j.script),
        [join(REPO_ROOT, 'deploy/slurm/worker.sbatch')],
      );
      const job = jobs[0];
      assert.ok(job !== undefined);
      jobPids.add(job.pid);

      const collect = await runCli(
        ['collect', 'slurm-study', '--nats', server.url, '--db', db, '--json'],
        dir.path,
      );
      assert.equal(collect.code, 0, `${collect.stderr}\n${slurm.jobOutput(job.jobId)}`);
      assert.equal(lastJsonLine<{ done: number }>(collect.stdout).done, 4);

      // The worker took its threads from SLURM_CPUS_PER_TASK.
      const status = await runCli(['status', '--db', db, '--nats', server.url, '--json'], dir.path);
      const workers = (JSON.parse(status.stdout) as { workers: Array<{ threads: number }> })
        .workers;
      assert.deepEqual(
        workers.map((w) => w.threads),
        [1],
      );

      // scancel --signal=TERM: the step gets SIGTERM, the worker stops, the job ends.
      const step = slurm.stepPid(job.jobId);
      assert.ok(step !== undefined, 'srun never started the worker');
      jobPids.add(step);
      process.kill(step, 'SIGTERM');
      await waitFor('the batch job to end', () => !alive(job.pid), 30_000);
      assert.match(slurm.jobOutput(job.jobId), /stopped: 4 done, 0 failed attempts/);
    } finally {
      await server.dispose();
    }
  },
);

test('deploy slurm - worker.sbatch refuses to start without WIDTHSWEEP_NATS_URL', () => {
  const slurm = new FakeSlurm(join(dir.path, 'nourl'), 1);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: slurm.path, SLURM_CPUS_PER_TASK: '1' };
  delete env.WIDTHSWEEP_NATS_URL;
  const out = spawnSync('bash', [join(REPO_ROOT, 'deploy/slurm/worker.sbatch')], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.notEqual(out.status, 0);
  assert.match(out.stderr, /export WIDTHSWEEP_NATS_URL=nats:\/\/HOST:4222 before sbatch/);
  assert.equal(slurm.stepPid(0), undefined);
});
