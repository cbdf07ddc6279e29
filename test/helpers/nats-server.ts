import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBinary } from './system-binaries.js';

/**
 * Debian's nats-server: test files pass `{ skip: NATS_SERVER.skip }` to every test that starts
 * one, so a machine without it skips them (CI, where .ci/run installs it, fails instead).
 */
export const NATS_SERVER = requireBinary('nats-server', 'nats-server');
export const NATS_SERVER_BIN = NATS_SERVER.path;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface NatsServerOptions {
  readonly user?: string;
  readonly password?: string;
}

/**
 * A nats-server of the test's own: a free port, JetStream in a temporary store directory.
 * restart() keeps the port and the store, as an operator's restart would.
 */
export class TestNatsServer {
  readonly port: number;
  readonly storeDir: string;
  readonly #options: NatsServerOptions;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(port: number, storeDir: string, options: NatsServerOptions) {
    this.port = port;
    this.storeDir = storeDir;
    this.#options = options;
  }

  static async start(options: NatsServerOptions = {}): Promise<TestNatsServer> {
    if (NATS_SERVER_BIN === undefined)
      throw new Error('nats-server is not installed (apt-get install nats-server)');
    const server = new TestNatsServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'widthsweep-nats-')),
      options,
    );
    await server.#spawn();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.#log;
  }

  /** The running server's process id (benchmarks read its CPU time); undefined when stopped. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #spawn(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    if (this.#options.user !== undefined) {
      // A config file keeps the password off the command line, as operators do.
      const conf = join(this.storeDir, 'auth.conf');
      writeFileSync(
        conf,
        `authorization { user: "${this.#options.user}", password: "${this.#options.password ?? ''}" }\n`,
      );
      args.push('-c', conf);
    }
    const child = spawn(NATS_SERVER_BIN as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (this.#log += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.#log += c.toString()));
    this.#child = child;
    await waitForPort(this.port, 10_000);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Restarts on the same port; `wipeStore` first deletes everything JetStream had stored. */
  async restart(options: { wipeStore?: boolean; kill?: boolean } = {}): Promise<void> {
    if (options.kill === true) await this.kill();
    else await this.stop();
    if (options.wipeStore === true) {
      for (const entry of readdirSync(this.storeDir)) {
        if (entry !== 'auth.conf') rmSync(join(this.storeDir, entry), { recursive: true });
      }
      mkdirSync(this.storeDir, { recursive: true });
    }
    await this.#spawn();
  }

  /** kill -9. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
