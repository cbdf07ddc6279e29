import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, NATS_SERVER_BIN, waitForPort } from './nats-server.js';

interface Node {
  readonly name: string;
  readonly port: number;
  readonly routePort: number;
  readonly conf: string;
  child: ChildProcess | undefined;
  log: string;
}

/**
 * A JetStream cluster of nats-servers on loopback: client and route ports are free ports, each
 * node has its own store directory. kill() is kill -9; start() brings a node back on the same
 * ports and store, as a restarted machine would.
 */
export class TestNatsCluster {
  readonly dir: string;
  readonly #nodes: Node[];

  private constructor(dir: string, nodes: Node[]) {
    this.dir = dir;
    this.#nodes = nodes;
  }

  static async start(size = 3): Promise<TestNatsCluster> {
    if (NATS_SERVER_BIN === undefined)
      throw new Error('nats-server is not installed (apt-get install nats-server)');
    const dir = mkdtempSync(join(tmpdir(), 'widthsweep-cluster-'));
    const ports = await Promise.all(
      Array.from({ length: size }, async () => ({
        port: await freePort(),
        route: await freePort(),
      })),
    );
    const nodes = ports.map(({ port, route }, i) => {
      const name = `n${i + 1}`;
      const store = join(dir, name);
      mkdirSync(store);
      const routes = ports
        .filter((_, j) => j !== i)
        .map((p) => `"nats-route://127.0.0.1:${p.route}"`)
        .join(', ');
      const conf = join(dir, `${name}.conf`);
      writeFileSync(
        conf,
        `server_name: ${name}\nlisten: "127.0.0.1:${port}"\n` +
          `jetstream { store_dir: "${store}" }\n` +
          `cluster { name: wstest, listen: "127.0.0.1:${route}", routes: [${routes}] }\n`,
      );
      return { name, port, routePort: route, conf, child: undefined, log: '' };
    });
    const cluster = new TestNatsCluster(dir, nodes);
    await Promise.all(nodes.map((_, i) => cluster.startNode(i)));
    return cluster;
  }

  /**
   * Waits until the cluster has a JetStream meta leader and every node has joined: an R<size>
   * stream can be created (and is deleted again).
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    const nc = await connect({ servers: this.url.split(','), maxReconnectAttempts: -1 });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          // Even the account-info check needs a meta leader: retried like the rest.
          const jsm = await jetstreamManager(nc);
          await jsm.streams.add({
            name: 'READY_PROBE',
            subjects: ['ready.probe'],
            num_replicas: this.size,
          });
          await jsm.streams.delete('READY_PROBE');
          if (new Set(nc.info?.connect_urls ?? []).size >= this.size) return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
        await sleep(500);
      }
    } finally {
      await nc.close();
    }
  }

  get size(): number {
    return this.#nodes.length;
  }

  /** Every node's client URL, comma-separated, as `--nats` takes them. */
  get url(): string {
    return this.#nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  nodeUrl(i: number): string {
    return `nats://127.0.0.1:${this.#node(i).port}`;
  }

  /** The index of the node with this server name (as stream info names leaders). */
  indexOf(name: string): number {
    return this.#nodes.findIndex((n) => n.name === name);
  }

  log(i: number): string {
    return this.#node(i).log;
  }

  #node(i: number): Node {
    const node = this.#nodes[i];
    if (node === undefined) throw new RangeError(`no node ${i}`);
    return node;
  }

  async startNode(i: number): Promise<void> {
    const node = this.#node(i);
    const child = spawn(NATS_SERVER_BIN as string, ['-c', node.conf], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => (node.log += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (node.log += c.toString()));
    node.child = child;
    await waitForPort(node.port, 10_000);
  }

  /** kill -9: no goodbye to the cluster, no flush of the store. */
  async kill(i: number): Promise<void> {
    const node = this.#node(i);
    const child = node.child;
    node.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.#nodes.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
