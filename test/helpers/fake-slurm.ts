import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CLI } from './cli.js';

/**
 * Stand-ins for `sbatch` and `srun` that run a batch script as a one-node job on this machine,
 * so that the shell logic of deploy/slurm (environment checks, srun options, the worker command
 * line) runs for real without a cluster. `widthsweep` is put on the same PATH.
 */
export class FakeSlurm {
  readonly binDir: string;
  readonly logDir: string;

  constructor(
    root: string,
    readonly cpusPerTask: number,
  ) {
    this.binDir = join(root, 'bin');
    this.logDir = join(root, 'jobs');
    mkdirSync(this.binDir, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    const script = (name: string, body: string): void => {
      writeFileSync(join(this.binDir, name), `#!/bin/bash\n${body}`);
      chmodSync(join(this.binDir, name), 0o755);
    };
    // sbatch: options dropped; the job runs in the background with SLURM's variables set.
    script(
      'sbatch',
      `while [ $# -gt 1 ] && [ "\${1#-}" != "$1" ]; do shift; done
export SLURM_JOB_ID=$$ SLURM_CPUS_PER_TASK=${cpusPerTask} SLURMD_NODENAME=$(hostname)
bash "$1" > "${this.logDir}/job-$$.out" 2>&1 &
echo "$1 $$ $!" >> "${this.logDir}/submitted"
echo "Submitted batch job $$"
`,
    );
    // srun: one task on this "node"; it records its pid, which the command then takes over.
    script(
      'srun',
      `while [ $# -gt 0 ] && [ "\${1#-}" != "$1" ]; do shift; done
echo $$ > "${this.logDir}/step-$SLURM_JOB_ID.pid"
exec "$@"
`,
    );
    if (!existsSync(join(this.binDir, 'widthsweep')))
      symlinkSync(CLI, join(this.binDir, 'widthsweep'));
  }

  /** PATH with the stand-ins first. */
  get path(): string {
    return `${this.binDir}:${process.env.PATH ?? ''}`;
  }

  /** The submitted jobs: script path, job id and the pid of its batch shell. */
  submitted(): Array<{ script: string; jobId: number; pid: number }> {
    const file = join(this.logDir, 'submitted');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [script = '', jobId = '', pid = ''] = line.split(' ');
        return { script, jobId: Number(jobId), pid: Number(pid) };
      });
  }

  /** The pid of a job's step (the worker), once srun has started it. */
  stepPid(jobId: number): number | undefined {
    const file = join(this.logDir, `step-${jobId}.pid`);
    return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  }

  jobOutput(jobId: number): string {
    const file = join(this.logDir, `job-${jobId}.out`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }
}
