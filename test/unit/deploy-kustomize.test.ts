import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudySpecText } from '../../shared/spec/load.js';
import { poolsOf } from '../../shared/routing.js';
import {
  asDoc,
  flagValue,
  graceOf,
  HANDBACK_MARGIN_S,
  renderKustomization,
  workerPods,
} from '../helpers/deploy-files.js';
import type { Doc } from '../helpers/deploy-files.js';

interface Expected {
  readonly workers: Record<string, { pool: string; backend: string; gpu: boolean }>;
  readonly routedToGpu: boolean;
}

const OVERLAYS: Record<string, Expected> = {
  cpu: {
    workers: { 'widthsweep-worker-cpu': { pool: 'default', backend: 'auto', gpu: false } },
    routedToGpu: false,
  },
  gpu: {
    workers: {
      'widthsweep-worker-gpu': { pool: 'default', backend: 'tfjs-node-gpu', gpu: true },
    },
    routedToGpu: false,
  },
  'cpu-gpu': {
    workers: {
      'widthsweep-worker-cpu': { pool: 'default', backend: 'auto', gpu: false },
      'widthsweep-worker-gpu': { pool: 'gpu', backend: 'tfjs-node-gpu', gpu: true },
    },
    routedToGpu: true,
  },
};

const byKind = (docs: readonly unknown[], kind: string): Doc[] =>
  docs.map(asDoc).filter((d) => d.kind === kind);

const podSpec = (doc: Doc): Doc => asDoc(asDoc(asDoc(doc.spec).template).spec);

for (const [overlay, expected] of Object.entries(OVERLAYS)) {
  test(`deploy kustomize - overlays/${overlay} renders the expected workers, pools and study`, (t) => {
    const docs = renderKustomization(`k8s/overlays/${overlay}`);
    if (typeof docs === 'string') {
      t.skip(docs);
      return;
    }
    for (const doc of docs.map(asDoc)) {
      if (doc.kind === 'Namespace') continue;
      assert.equal(asDoc(doc.metadata).namespace, 'widthsweep', `${String(doc.kind)} namespace`);
    }

    const pods = workerPods(docs);
    assert.deepEqual(pods.map((p) => p.name).sort(), Object.keys(expected.workers).sort());
    for (const pod of pods) {
      const want = expected.workers[pod.name];
      assert.ok(want !== undefined);
      assert.equal(flagValue(pod.argv, '--pool'), want.pool, `${pod.name} pool`);
      assert.equal(flagValue(pod.argv, '--backend') ?? 'auto', want.backend, `${pod.name} backend`);
      assert.ok(pod.podGraceS >= graceOf(pod.argv) + HANDBACK_MARGIN_S, `${pod.name} grace`);
      const deployment = byKind(docs, 'Deployment').find(
        (d) => asDoc(d.metadata).name === pod.name,
      );
      const container = asDoc((podSpec(asDoc(deployment)).containers as Doc[])[0]);
      const limits = asDoc(asDoc(container.resources).limits);
      assert.equal(limits['nvidia.com/gpu'] === 1, want.gpu, `${pod.name} GPU limit`);
      // Probes must hit the port the worker serves /healthz on.
      const port = Number(flagValue(pod.argv, '--metrics-port'));
      const named = ((container.ports as Doc[]) ?? []).find((p) => p.name === 'metrics');
      assert.equal(named?.containerPort, port, `${pod.name} metrics port`);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const get = asDoc(asDoc(container[probe]).httpGet);
        assert.equal(get.path, '/healthz', `${pod.name} ${probe}`);
        assert.equal(get.port, 'metrics', `${pod.name} ${probe}`);
      }
    }

    // The Job reads the study from the generated ConfigMap, whatever its hash suffix.
    const job = byKind(docs, 'Job')[0];
    assert.ok(job !== undefined, 'no coordinator Job');
    const volumes = (podSpec(job).volumes as Doc[]) ?? [];
    const studyMap = asDoc(volumes.find((v) => v.name === 'study')?.configMap).name;
    const configMap = byKind(docs, 'ConfigMap').find((c) => asDoc(c.metadata).name === studyMap);
    assert.ok(
      configMap !== undefined,
      `the Job mounts ConfigMap ${String(studyMap)}, not rendered`,
    );
    const jobArgs = (asDoc((podSpec(job).containers as Doc[])[0]).args as string[]) ?? [];
    assert.ok(jobArgs.includes('/etc/widthsweep/study.yaml'));
    const spec = parseStudySpecText(String(asDoc(configMap.data)['study.yaml']));

    // Every pool the study can send tasks to has a worker Deployment taking it.
    const served = new Set(pods.map((p) => flagValue(p.argv, '--pool')));
    for (const pool of poolsOf(spec.routing))
      assert.ok(served.has(pool), `pool ${pool} has no workers`);
    assert.equal(
      spec.routing.some((r) => r.pool === 'gpu'),
      expected.routedToGpu,
    );
  });
}
