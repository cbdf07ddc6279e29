import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseStudySpecText } from '../../shared/spec/load.js';
import {
  asDoc,
  DEPLOY_DIR,
  isYamlFile,
  listDeployFiles,
  readDeployFile,
  yamlDocuments,
} from '../helpers/deploy-files.js';

/** Files under k8s/ that are not Kubernetes objects: Helm values and study specs. */
const notManifests = new Set(['k8s/nats-values.yaml']);
const isStudy = (rel: string): boolean => rel.endsWith('/study.yaml');

test('deploy yaml - every YAML file under deploy/ parses, every document of it', () => {
  const yamlFiles = listDeployFiles().filter(isYamlFile);
  assert.ok(yamlFiles.length >= 15, `only ${yamlFiles.length} YAML files found`);
  const failures: string[] = [];
  for (const rel of yamlFiles) {
    try {
      const docs = yamlDocuments(rel);
      assert.ok(docs.length >= 1, `${rel} has no document`);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  assert.deepEqual(failures, []);
});

test('deploy yaml - a broken document anywhere in a multi-document file is reported', () => {
  const text = 'kind: A\n---\nkind: B\n  bad: indentation\n---\nkind: C\n';
  assert.throws(() => yamlDocuments('x.yaml', text), /x\.yaml document 2/);
  assert.equal(yamlDocuments('ok.yaml', 'kind: A\n---\nkind: B\n').length, 2);
});

test('deploy yaml - every Kubernetes document names its apiVersion and kind', () => {
  const missing: string[] = [];
  for (const rel of listDeployFiles().filter((f) => f.startsWith('k8s/') && isYamlFile(f))) {
    if (notManifests.has(rel) || isStudy(rel)) continue;
    yamlDocuments(rel).forEach((doc, i) => {
      const { apiVersion, kind } = asDoc(doc);
      if (typeof apiVersion !== 'string' || typeof kind !== 'string')
        missing.push(`${rel} document ${i + 1}`);
    });
  }
  assert.deepEqual(missing, []);
});

test('deploy yaml - kustomizations refer only to files and directories that exist', () => {
  const dangling: string[] = [];
  const kustomizations = listDeployFiles().filter((f) => f.endsWith('kustomization.yaml'));
  assert.ok(kustomizations.length >= 6);
  for (const rel of kustomizations) {
    const k = asDoc(yamlDocuments(rel)[0]);
    const refs = [
      ...((k.resources as string[] | undefined) ?? []),
      ...((k.patches as Array<{ path?: string }> | undefined) ?? []).flatMap((p) =>
        p.path === undefined ? [] : [p.path],
      ),
      ...((k.configMapGenerator as Array<{ files?: string[] }> | undefined) ?? []).flatMap(
        (g) => g.files ?? [],
      ),
    ];
    for (const ref of refs) {
      if (!existsSync(join(DEPLOY_DIR, dirname(rel), ref))) dangling.push(`${rel}: ${ref}`);
    }
  }
  assert.deepEqual(dangling, []);
});

test('deploy yaml - the study specs shipped in deploy/ are valid widthsweep specs', () => {
  const studies = listDeployFiles().filter(isStudy);
  assert.deepEqual(studies, ['k8s/base/study.yaml', 'k8s/overlays/cpu-gpu/study.yaml']);
  const split = parseStudySpecText(readDeployFile('k8s/overlays/cpu-gpu/study.yaml'));
  assert.deepEqual(
    split.routing.map((r) => [r.pool, r.minWidth]),
    [['gpu', 1024]],
  );
  assert.ok(split.grid.widths.some((w) => w >= 1024) && split.grid.widths.some((w) => w < 1024));
  assert.deepEqual(parseStudySpecText(readDeployFile('k8s/base/study.yaml')).routing, []);
});

test('deploy yaml - the NATS chart values turn on JetStream with file storage on a claim', () => {
  const values = asDoc(yamlDocuments('k8s/nats-values.yaml')[0]);
  const jetstream = asDoc(asDoc(values.config).jetstream);
  assert.equal(jetstream.enabled, true);
  const fileStore = asDoc(jetstream.fileStore);
  assert.equal(fileStore.enabled, true);
  assert.equal(asDoc(fileStore.pvc).enabled, true);
  assert.match(String(asDoc(fileStore.pvc).size), /^\d+[GT]i$/);
});

test('deploy yaml - compose runs NATS with JetStream on a volume and scalable workers', () => {
  const compose = asDoc(yamlDocuments('docker/compose.yaml')[0]);
  const services = asDoc(compose.services);
  const nats = asDoc(services.nats);
  const natsArgs = (nats.command as string[]).join(' ');
  assert.match(natsArgs, /--jetstream/);
  assert.match(natsArgs, /--store_dir \/data/);
  assert.ok((nats.volumes as string[]).some((v) => v.startsWith('nats-data:/data')));
  // Scaling (--scale worker=N) needs workers without a fixed container name or host port.
  const worker = asDoc(services.worker);
  assert.equal(worker.container_name, undefined);
  assert.equal(worker.ports, undefined);
});
