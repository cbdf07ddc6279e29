import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { findBinary } from './system-binaries.js';

export interface NetnsLabOptions {
  /** Host names, letters and digits; the first is the hub every other host is wired to. */
  readonly hosts: readonly string[];
  /**
   * First two octets of the addresses inside the lab; link i is `<prefix>.<i>.0/24`, the hub
   * side `.1`, the host side `.2`. They exist only in the lab's own namespaces. @default '10.231'
   */
  readonly prefix?: string;
}

/** A process started on one of the lab's hosts. */
export interface LabProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly done: Promise<number | null>;
  /** stdout and stderr so far. */
  output(): string;
}

const NAME_PREFIX = 'wsnt';

/** iproute2 lives in sbin, which a non-login PATH may lack. */
const IP_BIN = findBinary(['ip']) ?? 'ip';

function ip(args: readonly string[]): string {
  return execFileSync(IP_BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function errorText(err: unknown): string {
  const e = err as { stderr?: unknown; message?: unknown };
  const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : '';
  return stderr !== '' ? stderr : String(e.message ?? err);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Namespaces left by a run of this helper that was killed before its cleanup (their names
 * carry its pid): removed so that they do not pile up. Namespaces of live runs are left alone.
 */
function removeStaleLabs(): void {
  let list: string;
  try {
    list = ip(['netns', 'list']);
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = new RegExp(`^${NAME_PREFIX}(\\d+)x`).exec(name)?.[1];
    if (pid !== undefined && !pidAlive(Number(pid))) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * Several simulated hosts on one machine: a network namespace each, every host wired to the hub
 * by its own veth pair, so that one host's link can be cut while the others keep talking.
 * Nothing is created outside the lab's namespaces, and no address of the lab is routed anywhere
 * else.
 */
export class NetnsLab {
  readonly hosts: readonly string[];
  readonly #prefix: string;
  readonly #ns = new Map<string, string>();
  readonly #processes = new Set<LabProcess>();
  readonly #onExit = (): void => this.#deleteNamespaces();
  #disposed = false;

  private constructor(hosts: readonly string[], prefix: string, id: string) {
    this.hosts = hosts;
    this.#prefix = prefix;
    for (const host of hosts) this.#ns.set(host, `${id}-${host}`);
  }

  /** Why this machine cannot run a lab (no iproute2, no privilege, no veth), or undefined. */
  static unsupportedReason(): string | undefined {
    try {
      ip(['-V']);
    } catch {
      return 'iproute2 (`ip`) is not installed';
    }
    const probe = `${NAME_PREFIX}${process.pid}x${randomBytes(3).toString('hex')}-probe`;
    try {
      ip(['netns', 'add', probe]);
    } catch (err) {
      return `the kernel refused a network namespace: ${errorText(err)}`;
    }
    try {
      ip(['-n', probe, 'link', 'add', 'pa', 'type', 'veth', 'peer', 'name', 'pb']);
      return undefined;
    } catch (err) {
      return `the kernel refused a veth pair: ${errorText(err)}`;
    } finally {
      try {
        ip(['netns', 'del', probe]);
      } catch {
        // Nothing left to remove.
      }
    }
  }

  static create(options: NetnsLabOptions): NetnsLab {
    const { hosts } = options;
    if (hosts.length < 2 || hosts.some((h) => !/^[a-z][a-z0-9]{0,7}$/.test(h))) {
      throw new Error(
        `expected 2+ host names of 1-8 lowercase letters/digits, got ${hosts.join(',')}`,
      );
    }
    removeStaleLabs();
    const lab = new NetnsLab(
      hosts,
      options.prefix ?? '10.231',
      `${NAME_PREFIX}${process.pid}x${randomBytes(3).toString('hex')}`,
    );
    process.once('exit', lab.#onExit);
    try {
      lab.#build();
    } catch (err) {
      lab.#deleteNamespaces();
      throw err;
    }
    return lab;
  }

  #build(): void {
    const hub = this.#hub;
    for (const host of this.hosts) {
      ip(['netns', 'add', this.namespace(host)]);
      ip(['-n', this.namespace(host), 'link', 'set', 'lo', 'up']);
    }
    this.hosts.slice(1).forEach((host, i) => {
      const link = this.#hubSide(host);
      // The peer is created straight inside the host's namespace: nothing touches the machine's own.
      ip([
        '-n',
        this.namespace(hub),
        'link',
        'add',
        link,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        this.namespace(host),
      ]);
      ip(['-n', this.namespace(hub), 'addr', 'add', `${this.#prefix}.${i + 1}.1/24`, 'dev', link]);
      ip(['-n', this.namespace(hub), 'link', 'set', link, 'up']);
      ip([
        '-n',
        this.namespace(host),
        'addr',
        'add',
        `${this.#prefix}.${i + 1}.2/24`,
        'dev',
        'eth0',
      ]);
      ip(['-n', this.namespace(host), 'link', 'set', 'eth0', 'up']);
    });
  }

  get #hub(): string {
    return this.hosts[0] as string;
  }

  #hubSide(host: string): string {
    return `to-${host}`;
  }

  #linkIndex(host: string): number {
    const i = this.hosts.indexOf(host);
    if (i < 1) throw new Error(`${host} is not a non-hub host of this lab`);
    return i;
  }

  namespace(host: string): string {
    const ns = this.#ns.get(host);
    if (ns === undefined) throw new Error(`no host ${host} in this lab`);
    return ns;
  }

  /** The hub's address on `host`'s link: what `host` connects to. */
  hubAddressFor(host: string): string {
    return `${this.#prefix}.${this.#linkIndex(host)}.1`;
  }

  /** Takes `host`'s cable out: its link goes down at the hub. */
  cut(host: string): void {
    this.#linkIndex(host);
    ip(['-n', this.namespace(this.#hub), 'link', 'set', this.#hubSide(host), 'down']);
  }

  /** Plugs `host`'s cable back in. */
  restore(host: string): void {
    this.#linkIndex(host);
    ip(['-n', this.namespace(this.#hub), 'link', 'set', this.#hubSide(host), 'up']);
  }

  /** Runs a command on `host` (in its namespace), output captured. */
  spawn(
    host: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ): LabProcess {
    // `ip netns exec` execs the command in place: signals reach it directly.
    const child = spawn(IP_BIN, ['netns', 'exec', this.namespace(host), command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const done = new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(null));
      child.once('close', (code) => resolve(code));
    });
    const proc: LabProcess = { child, done, output: () => out };
    this.#processes.add(proc);
    void done.then(() => this.#processes.delete(proc));
    return proc;
  }

  #deleteNamespaces(): void {
    for (const proc of this.#processes) proc.child.kill('SIGKILL');
    for (const ns of this.#ns.values()) {
      try {
        ip(['netns', 'del', ns]);
      } catch {
        // Not created, or already deleted.
      }
    }
  }

  /** Kills what still runs in the lab and deletes its namespaces (and with them every link). */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const running = [...this.#processes];
    for (const proc of running) proc.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.done));
    this.#deleteNamespaces();
    process.off('exit', this.#onExit);
  }

  /** The lab's namespaces that exist now (empty after dispose). */
  existingNamespaces(): string[] {
    const present = new Set(
      ip(['netns', 'list'])
        .split('\n')
        .map((l) => l.split(' ')[0]),
    );
    return [...this.#ns.values()].filter((ns) => present.has(ns));
  }
}
