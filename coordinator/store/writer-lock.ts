import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreError, WriterLockHeldError } from '../../shared/errors.js';

/**
 * What a lock file says about its holder. `bootId` and `processStart` exist on Linux only and in
 * locks written since they were added; a check that lacks one skips it.
 */
interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** /proc/sys/kernel/random/boot_id of the holder's host: changes with every boot. */
  readonly bootId?: string;
  /** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
  readonly processStart?: string;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  return readOrUndefined('/proc/sys/kernel/random/boot_id')?.trim();
}

/** The start time of `pid` (the comm field may hold spaces and parentheses: skip past it). */
function processStart(pid: number): string | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string | undefined): LockInfo | undefined {
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as Partial<LockInfo>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return undefined;
    return { startedAt: '?', ...raw } as LockInfo;
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder, on this host, is certainly gone: the host booted since it wrote the lock,
 * no process has its pid, or the process with its pid started at another time (pid reused).
 */
function goneOnThisHost(holder: LockInfo): boolean {
  const boot = bootId();
  if (holder.bootId !== undefined && boot !== undefined && holder.bootId !== boot) return true;
  if (!alive(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.processStart !== undefined && start !== undefined && holder.processStart !== start;
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
 *
 * The lock records host, pid, the host's boot id and the process's start time. A lock from this
 * host is taken over when its holder is certainly gone (rebooted since, no such pid, or the pid
 * reused by a later process). A lock from another host, a file system shared between machines
 * (a cluster's home directories), cannot be checked from here: it is refused with
 * WriterLockHeldError naming that host, and only a person who knows that coordinator is gone
 * breaks it by deleting the file.
 */
export class WriterLock {
  readonly path: string;
  readonly #content: string;
  #held = true;
  // process.exit() (a second Ctrl-C, an early signal) skips finally blocks; this still runs.
  readonly #onExit = (): void => this.release();

  private constructor(path: string, content: string) {
    this.path = path;
    this.#content = content;
    process.on('exit', this.#onExit);
  }

  static acquire(dbPath: string): WriterLock {
    const path = lockPathFor(dbPath);
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      bootId: bootId(),
      processStart: processStart(process.pid),
    };
    const content = JSON.stringify(info);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, content, { flag: 'wx' });
        return new WriterLock(path, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreError(`cannot create the lock ${path}: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
      const holder = parseLock(readOrUndefined(path));
      if (holder !== undefined) refuseUnlessGone(dbPath, path, holder, info.host);
      rmSync(path, { force: true });
    }
    throw new StoreError(`cannot take the lock ${path}: another process keeps creating it`);
  }

  /** Removes the lock if it is still this one's (a person may have broken and retaken it). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.off('exit', this.#onExit);
    if (readOrUndefined(this.path) === this.#content) rmSync(this.path, { force: true });
  }
}

function refuseUnlessGone(dbPath: string, path: string, holder: LockInfo, host: string): void {
  const who = `pid ${holder.pid} on ${holder.host} since ${holder.startedAt}`;
  if (holder.host === host) {
    if (goneOnThisHost(holder)) return;
    throw new WriterLockHeldError(
      path,
      holder.host,
      holder.pid,
      `${dbPath} is in use by another widthsweep coordinator (${who}); stop that one first`,
    );
  }
  throw new WriterLockHeldError(
    path,
    holder.host,
    holder.pid,
    `${dbPath} is in use by a widthsweep coordinator on another host (${who}), which cannot be checked from ${host}; if that coordinator is really gone (host ${holder.host} down, or the process ended without cleaning up), delete ${path} and run again`,
  );
}
