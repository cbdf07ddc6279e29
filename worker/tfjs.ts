import type * as Tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from '../shared/errors.js';
import { BACKEND_PACKAGES, packageVersion, type TfBackendName } from './backends.js';

/** The tfjs namespace; tfjs-node re-exports the same API, so both fit this type. */
export type TfModule = typeof Tf;

/** A thread's or process's initialised tfjs: what executeTask needs besides the task. */
export interface TfContext {
  readonly tf: TfModule;
  readonly backend: TfBackendName;
  /** Library versions for TrainStats: tfjs-core, the backend package, node. */
  readonly versions: Readonly<Record<string, string>>;
}

/** The name tfjs registers each backend under. */
const TF_BACKEND_IDS: Readonly<Record<TfBackendName, string>> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

let loaded: { backend: TfBackendName; context: Promise<TfContext> } | undefined;

/**
 * Loads tfjs with one backend, once per thread or process: tfjs keeps a single global engine,
 * so a second backend in the same thread would silently change what earlier callers run on.
 * Throws BackendUnavailableError when the backend cannot be loaded or initialised.
 */
export function loadTf(backend: TfBackendName): Promise<TfContext> {
  if (loaded !== undefined) {
    if (loaded.backend !== backend) {
      return Promise.reject(
        new BackendUnavailableError(
          backend,
          `this thread already runs tfjs on '${loaded.backend}'; one backend per thread or process`,
        ),
      );
    }
    return loaded.context;
  }
  const context = initialise(backend);
  loaded = { backend, context };
  // A failed load may be retried (say, after installing the package) instead of caching the error.
  context.catch(() => {
    if (loaded?.context === context) loaded = undefined;
  });
  return context;
}

async function importModule(specifier: string): Promise<unknown> {
  const mod = (await import(specifier)) as { default?: unknown };
  // CommonJS packages (tfjs-node) arrive as { default: module.exports } plus whatever named
  // exports Node's static analysis found; module.exports is the complete API.
  return mod.default !== undefined && typeof mod.default === 'object' ? mod.default : mod;
}

async function initialise(backend: TfBackendName): Promise<TfContext> {
  const pkg = BACKEND_PACKAGES[backend];
  let tf: TfModule;
  try {
    if (backend === 'tfjs-node' || backend === 'tfjs-node-gpu') {
      // A variable specifier keeps TypeScript from resolving an optional dependency at build time.
      tf = (await importModule(pkg)) as TfModule;
    } else {
      tf = (await importModule('@tensorflow/tfjs')) as TfModule;
      if (backend === 'wasm') await importModule('@tensorflow/tfjs-backend-wasm');
    }
  } catch (err) {
    throw new BackendUnavailableError(backend, `cannot load ${pkg}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  await activateBackend(tf, backend);
  return { tf, backend, versions: collectVersions(tf, backend) };
}

/**
 * Makes `backend` the current tfjs backend of this thread (its package must already be loaded).
 * loadTf does this once; tests use it to compare backends within one thread.
 */
export async function activateBackend(tf: TfModule, backend: TfBackendName): Promise<void> {
  const id = TF_BACKEND_IDS[backend];
  let ok: boolean;
  try {
    ok = await tf.setBackend(id);
    await tf.ready();
  } catch (err) {
    throw new BackendUnavailableError(
      backend,
      `tfjs backend '${id}' failed to initialise: ${messageOf(err)}`,
      { cause: err },
    );
  }
  if (!ok || tf.getBackend() !== id) {
    throw new BackendUnavailableError(backend, `tfjs backend '${id}' failed to initialise`);
  }
  if (backend === 'cpu') silenceNodeBanner(tf);
}

/**
 * The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on
 * its first tensor write, once per thread. tfjs' warn() is silent in PROD mode, so the first write
 * happens here with PROD on just for that moment; other tfjs warnings stay visible.
 */
function silenceNodeBanner(tf: TfModule): void {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    tf.tensor1d([0]).dispose();
  } finally {
    env.set('PROD', prod);
  }
}

function collectVersions(tf: TfModule, backend: TfBackendName): Record<string, string> {
  const versions: Record<string, string> = {
    '@tensorflow/tfjs-core': tf.version_core,
  };
  const pkg = BACKEND_PACKAGES[backend];
  const pkgVersion = packageVersion(pkg);
  if (pkgVersion !== undefined) versions[pkg] = pkgVersion;
  versions.node = process.versions.node;
  return versions;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
