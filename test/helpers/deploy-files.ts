import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './cli.js';

/** deploy/ of this checkout. */
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');

/** Every file under deploy/, as paths relative to it, sorted. */
export function listDeployFiles(dir = DEPLOY_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

export function readDeployFile(rel: string): string {
  return readFileSync(join(DEPLOY_DIR, rel), 'utf8');
}

export const isYamlFile = (rel: string): boolean => /\.ya?ml$/.test(rel);

/** Every document of a YAML file as plain data; throws on the first error or warning. */
export function yamlDocuments(rel: string, text = readDeployFile(rel)): unknown[] {
  return parseAllDocuments(text).map((doc, i) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new Error(`${rel} document ${i + 1}: ${problems.map((p) => p.message).join('; ')}`);
    }
    return doc.toJS() as unknown;
  });
}

/**
 * `kubectl kustomize` of a directory under deploy/, as documents; a string saying why when
 * kubectl is not installed (the caller skips with it).
 */
export function renderKustomization(rel: string): unknown[] | string {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    return 'kubectl is not installed, so the overlays cannot be rendered here';
  }
  const out = execFileSync('kubectl', ['kustomize', join(DEPLOY_DIR, rel)], {
    encoding: 'utf8',
  });
  return yamlDocuments(`${rel} (rendered)`, out);
}

/** The value after `flag` in an argv, or undefined. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
}

/**
 * After --grace, a stopping worker still hands back what it holds, closes its training threads
 * and drains its connection; every platform's stop timeout must cover that too.
 */
export const HANDBACK_MARGIN_S = 20;
/** `widthsweep worker --grace` when not given. */
export const DEFAULT_GRACE_S = 10;

export type Doc = Record<string, unknown>;
export const asDoc = (x: unknown): Doc =>
  x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Doc) : {};

export function graceOf(argv: readonly string[]): number {
  const value = flagValue(argv, '--grace');
  return value === undefined ? DEFAULT_GRACE_S : Number(value);
}

export function workerArgv(container: Doc): string[] | undefined {
  const argv = [
    ...((container.command as string[]) ?? []),
    ...((container.args as string[]) ?? []),
  ];
  const at = argv.indexOf('widthsweep');
  return at >= 0 && argv[at + 1] === 'worker' ? argv.slice(at + 1) : undefined;
}

/** Every worker container of the Deployments in these documents, with the pod's grace period. */
export function workerPods(
  docs: readonly unknown[],
): Array<{ name: string; argv: string[]; podGraceS: number }> {
  return docs.map(asDoc).flatMap((doc) => {
    if (doc.kind !== 'Deployment') return [];
    const pod = asDoc(asDoc(asDoc(doc.spec).template).spec);
    return ((pod.containers as Doc[]) ?? []).flatMap((c) => {
      const argv = workerArgv(c);
      return argv === undefined
        ? []
        : [
            {
              name: String(asDoc(doc.metadata).name),
              argv,
              podGraceS: Number(pod.terminationGracePeriodSeconds ?? 30),
            },
          ];
    });
  });
}
