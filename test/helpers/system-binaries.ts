import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True on CI (`CI=true`, as .ci/run and most CI services set it): nothing may be skipped. */
export const inCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** Where Debian puts binaries; sbin is often missing from a user's PATH. */
const SYSTEM_DIRS = ['/usr/bin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/local/sbin'];

/** The first executable of one of `names` on PATH or in the system directories. */
export function findBinary(names: readonly string[]): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''),
    ...SYSTEM_DIRS,
  ];
  for (const name of names) {
    for (const dir of dirs) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

export interface BinaryOptions {
  /** Other names of the same program (`chromium-browser`). */
  readonly aliases?: readonly string[];
  /** An environment variable that names the binary's path and takes precedence (`CHROMIUM`). */
  readonly envVar?: string;
}

export type SystemBinary =
  | { readonly path: string; readonly skip: false }
  | { readonly path: undefined; readonly skip: string };

/**
 * A system program a test needs, for `test(name, { skip: bin.skip }, ...)`. Missing outside CI,
 * the test is skipped with a one-line reason naming the Debian package; missing on CI it is an
 * error at once, since .ci/run installs every one of them.
 */
export function requireBinary(
  name: string,
  debianPackage: string,
  options: BinaryOptions = {},
): SystemBinary {
  const fromEnv = options.envVar === undefined ? undefined : process.env[options.envVar];
  const path =
    fromEnv !== undefined && fromEnv !== ''
      ? existsSync(fromEnv)
        ? fromEnv
        : undefined
      : findBinary([name, ...(options.aliases ?? [])]);
  if (path !== undefined) return { path, skip: false };
  const where = fromEnv ? ` at ${options.envVar}=${fromEnv}` : '';
  const reason = `${name} is not installed${where} (Debian: apt-get install ${debianPackage})`;
  if (inCi()) throw new Error(`${reason}; CI=true requires it (.ci/run installs it)`);
  return { path: undefined, skip: reason };
}
