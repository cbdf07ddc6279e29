import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, type BackendName } from '../shared/capabilities.js';
import { BackendUnavailableError, ValidationError } from '../shared/errors.js';
import { describeValue } from '../shared/spec/fields.js';
import { KERNEL_URL } from './fused/kernel.js';

/**
 * The training backends widthsweep knows (shared/capabilities.ts), fastest first: `auto` picks
 * the first one installed.
 * `fused` (widthsweep's own WebAssembly SIMD kernel, built by `npm run build`) comes first: one
 * full-batch Adam step at d = 2, width 256, 4096 samples took 0.7 ms against 25 ms for wasm and
 * 150+ ms for cpu on one core (`widthsweep bench`). tfjs-node(-gpu) could not be installed where
 * that was measured; request them by name to use them.
 */
export { BACKEND_NAMES, type BackendName };

/** The backends that run on tfjs (all but fused). */
export type TfBackendName = Exclude<BackendName, 'fused'>;

/** Where a backend's tasks run: its own child process, or a worker thread of the main process. */
export type Isolation = 'thread' | 'process';

/**
 * The npm package that provides each backend (cpu ships inside @tensorflow/tfjs, fused inside
 * widthsweep itself).
 */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  fused: 'widthsweep',
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

const requireHere = createRequire(import.meta.url);

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

/** The directory of an installed package, or undefined; never loads the package itself. */
export function packageDirectory(packageName: string): string | undefined {
  try {
    return dirname(requireHere.resolve(`${packageName}/package.json`));
  } catch {
    return undefined;
  }
}

/** The version in an installed package's package.json, or undefined. */
export function packageVersion(packageName: string): string | undefined {
  try {
    const manifest = requireHere(`${packageName}/package.json`) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * tfjs-node(-gpu) can be present on disk without its native binding when the libtensorflow
 * download failed half-way, and loading it then throws; `auto` must skip such an install
 * rather than pick it and fail every task.
 */
function hasNativeBinding(packageDir: string): boolean {
  const libDir = join(packageDir, 'lib');
  if (!existsSync(libDir)) return false;
  return readdirSync(libDir).some((entry) => existsSync(join(libDir, entry, 'tfjs_binding.node')));
}

/** Whether a backend's package is installed (and, for tfjs-node, built); does not load it. */
export function isBackendInstalled(backend: BackendName): boolean {
  if (backend === 'fused') return existsSync(fileURLToPath(KERNEL_URL));
  const dir = packageDirectory(BACKEND_PACKAGES[backend]);
  if (dir === undefined) return false;
  return backend === 'tfjs-node' || backend === 'tfjs-node-gpu' ? hasNativeBinding(dir) : true;
}

/** The installed backends, fastest first. */
export function listInstalledBackends(): BackendName[] {
  return BACKEND_NAMES.filter((backend) => isBackendInstalled(backend));
}

function installHint(backend: BackendName): string {
  if (backend === 'fused')
    return 'run `npm run build` (it compiles the kernel with AssemblyScript)';
  const pkg = BACKEND_PACKAGES[backend];
  // The native bindings must match the tfjs-core that the rest of widthsweep loads.
  const core = packageVersion('@tensorflow/tfjs-core') ?? packageVersion('@tensorflow/tfjs');
  const spec = core === undefined ? pkg : `${pkg}@${core}`;
  const extra =
    backend === 'tfjs-node-gpu'
      ? ' (it downloads libtensorflow with CUDA support and needs an NVIDIA driver and CUDA/cuDNN)'
      : backend === 'tfjs-node'
        ? ' (it downloads libtensorflow during install)'
        : '';
  return `run \`npm install ${spec}\`${extra}`;
}

/**
 * The backend to train with: `auto` is the fastest installed one (fused > tfjs-node-gpu >
 * tfjs-node > wasm > cpu); a named backend that is not installed throws BackendUnavailableError saying what
 * to install. Only checks the installation: a backend can still fail to initialise later.
 */
export function resolveBackend(requested: 'auto' | BackendName): Promise<BackendName> {
  // Async so that a future check may load a package; errors arrive as rejections either way.
  return new Promise((resolve) => resolve(pickBackend(requested)));
}

function pickBackend(requested: 'auto' | BackendName): BackendName {
  if (requested === 'auto') {
    const [fastest] = listInstalledBackends();
    if (fastest === undefined) {
      throw new BackendUnavailableError(
        'auto',
        `no training backend is installed; ${installHint('wasm')}`,
      );
    }
    return fastest;
  }
  if (!isBackendName(requested)) {
    throw new ValidationError(
      'backend',
      `expected one of auto, ${BACKEND_NAMES.join(', ')}, got ${describeValue(requested)}`,
    );
  }
  if (!isBackendInstalled(requested)) {
    const pkg = BACKEND_PACKAGES[requested];
    const state =
      requested === 'fused'
        ? 'is installed without its compiled kernel'
        : packageDirectory(pkg) === undefined
          ? 'is not installed'
          : 'is installed without its native binding';
    throw new BackendUnavailableError(
      requested,
      `backend '${requested}' is unavailable: ${pkg} ${state}; ${installHint(requested)}`,
    );
  }
  return requested;
}

/**
 * tfjs-node(-gpu) crash inside worker_threads (tfjs#2079, tfjs#8388), so they get a child
 * process each; fused, wasm and cpu are pure JS/WebAssembly and run in threads.
 */
export function backendIsolation(backend: BackendName): Isolation {
  return backend === 'tfjs-node' || backend === 'tfjs-node-gpu' ? 'process' : 'thread';
}
