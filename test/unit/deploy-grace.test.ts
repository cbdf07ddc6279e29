import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLinesInFile } from '../helpers/deploy-commands.js';
import {
  asDoc,
  graceOf,
  HANDBACK_MARGIN_S,
  listDeployFiles,
  readDeployFile,
  workerArgv,
  workerPods,
  yamlDocuments,
} from '../helpers/deploy-files.js';

/** Files applied as kustomize patches: partial objects, checked once rendered (deploy-kustomize). */
function patchFiles(): Set<string> {
  const patches = new Set<string>();
  for (const rel of listDeployFiles().filter((f) => f.endsWith('kustomization.yaml'))) {
    const k = asDoc(yamlDocuments(rel)[0]);
    for (const p of (k.patches as Array<{ path?: string }> | undefined) ?? []) {
      if (p.path !== undefined) patches.add(rel.replace(/kustomization\.yaml$/, p.path));
    }
  }
  return patches;
}

function seconds(duration: string): number {
  let total = 0;
  for (const m of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 'ms' ? n / 1000 : n;
  }
  return total;
}

test('deploy grace - Kubernetes worker pods wait longer than --grace before SIGKILL', () => {
  const patches = patchFiles();
  const pods = listDeployFiles()
    .filter((f) => f.startsWith('k8s/') && f.endsWith('.yaml') && !patches.has(f))
    .flatMap((f) => workerPods(yamlDocuments(f)));
  assert.deepEqual(pods.map((p) => p.name).sort(), [
    'widthsweep-worker-cpu',
    'widthsweep-worker-gpu',
  ]);
  for (const pod of pods) {
    assert.ok(
      pod.podGraceS >= graceOf(pod.argv) + HANDBACK_MARGIN_S,
      `${pod.name}: terminationGracePeriodSeconds ${pod.podGraceS} < --grace ${graceOf(pod.argv)} + ${HANDBACK_MARGIN_S}`,
    );
  }
});

test('deploy grace - compose gives each worker service a stop_grace_period above --grace', () => {
  const services = asDoc(asDoc(yamlDocuments('docker/compose.yaml')[0]).services);
  const workers = Object.entries(services).filter(([, s]) => workerArgv(asDoc(s)) !== undefined);
  assert.deepEqual(workers.map(([name]) => name).sort(), ['worker', 'worker-gpu']);
  for (const [name, service] of workers) {
    const s = asDoc(service);
    const grace = graceOf(workerArgv(s) ?? []);
    const stop = seconds(typeof s.stop_grace_period === 'string' ? s.stop_grace_period : '10s');
    assert.ok(
      stop >= grace + HANDBACK_MARGIN_S,
      `${name}: stop_grace_period ${stop}s, --grace ${grace}`,
    );
  }
});

test('deploy grace - the images default to a grace that a plain `docker stop` (10 s) allows', () => {
  for (const rel of ['docker/Dockerfile', 'docker/Dockerfile.gpu']) {
    const cmd = commandLinesInFile(rel).filter((l) => l.exact && l.argv[0] === 'worker');
    assert.equal(cmd.length, 1, `${rel}: expected one worker CMD`);
    const grace = graceOf(cmd[0]?.argv ?? []);
    assert.ok(grace + 5 <= 10, `${rel}: --grace ${grace} leaves docker stop no time to hand back`);
  }
});

test('deploy grace - the systemd unit waits TimeoutStopSec above WIDTHSWEEP_GRACE', () => {
  const unit = readDeployFile('systemd/widthsweep-worker@.service');
  const env = readDeployFile('systemd/worker.env');
  assert.match(unit, /--grace \$\{WIDTHSWEEP_GRACE\}/);
  assert.match(unit, /^KillMode=mixed$/m);
  const timeout = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
  const grace = Number(/^WIDTHSWEEP_GRACE=(\d+)$/m.exec(env)?.[1]);
  assert.ok(
    Number.isFinite(timeout) && Number.isFinite(grace),
    'TimeoutStopSec or WIDTHSWEEP_GRACE missing',
  );
  assert.ok(timeout >= grace + HANDBACK_MARGIN_S, `TimeoutStopSec ${timeout}, grace ${grace}`);
});

test('deploy grace - sbatch scripts signal the workers earlier than --grace before the limit', () => {
  const scripts = listDeployFiles().filter((f) => f.endsWith('.sbatch'));
  assert.deepEqual(scripts, ['slurm/worker-gpu.sbatch', 'slurm/worker.sbatch']);
  for (const rel of scripts) {
    const lead = Number(/^#SBATCH --signal=TERM@(\d+)$/m.exec(readDeployFile(rel))?.[1]);
    const workers = commandLinesInFile(rel).filter(
      (l) => l.argv[0] === 'worker' && l.argv.includes('--grace'),
    );
    assert.ok(workers.length >= 1, `${rel}: no worker command with --grace`);
    for (const w of workers) {
      assert.ok(
        lead >= graceOf(w.argv) + HANDBACK_MARGIN_S,
        `${rel}: TERM@${lead}, --grace ${graceOf(w.argv)}`,
      );
    }
  }
});
