import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreError } from '../../shared/errors.js';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The lock file of a database, beside the real file: a symlink, `./x` or `../dir/x` to the same
 * database gives the same lock. A database not created yet is named by its real directory.
 */
export function lockPathFor(dbPath: string): string {
  let real: string;
  try {
    real = realpathSync(dbPath);
  } catch {
    const absolute = resolve(dbPath);
    try {
      real = join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      real = absolute;
    }
  }
  return `${real}.lock`;
}

/**
 * One writing coordinator per database file. SQLite would serialise two writers, but two
 * coordinators would also dispatch the same tasks twice; the lock turns that into a clear error.
 * A lock left by a dead process on this host is taken over; one from another host is not, since
 * its process cannot be checked from here.
 */
export class WriterLock {
  readonly path: string;
  #held = true;
  // process.exit() (a second Ctrl-C, an early signal) skips finally blocks; this still runs.
  readonly #onExit = (): void => this.release();

  private constructor(path: string) {
    this.path = path;
    process.on('exit', this.#onExit);
  }

  static acquire(dbPath: string): WriterLock {
    const path = lockPathFor(dbPath);
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
        return new WriterLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreError(`cannot create the lock ${path}: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
      let holder: LockInfo | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      } catch {
        holder = undefined;
      }
      const stale = holder === undefined || (holder.host === info.host && !alive(holder.pid));
      if (!stale) {
        throw new StoreError(
          `${dbPath} is in use by another widthsweep coordinator (pid ${holder?.pid} on ${holder?.host} since ${holder?.startedAt}); if that process is gone, delete ${path}`,
        );
      }
      rmSync(path, { force: true });
    }
    throw new StoreError(`cannot take the lock ${path}: another process keeps creating it`);
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.off('exit', this.#onExit);
    rmSync(this.path, { force: true });
  }
}
