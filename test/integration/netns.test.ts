import { rowsWhenReady } from '../helpers/db.js';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { CLI, lastJsonLine } from '../helpers/cli.js';
import { NATS_SERVER, NATS_SERVER_BIN } from '../helpers/nats-server.js';
import { requireBinary } from '../helpers/system-binaries.js';
import { NetnsLab } from '../helpers/netns.js';
import type { LabProcess } from '../helpers/netns.js';
import { tempDir } from '../helpers/temp.js';

/** nats-server on the hub; two workers and the coordinator each on a host of their own. */
const HOSTS = ['nats', 'wa', 'wb', 'coord'] as const;

const query = (db: string, sql: string) => rowsWhenReady(db, sql);

const count = (db: string, sql: string): number => Number(query(db, sql)[0]?.n ?? 0);

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(250);
  }
}

const IP = requireBinary('ip', 'iproute2');

test(
  'netns - a worker cut off mid-study has its tasks redelivered, and rejoins when its link returns',
  { skip: IP.skip || NATS_SERVER.skip },
  async (t) => {
    // Not a missing package: an unprivileged container may not create namespaces at all.
    const reason = NetnsLab.unsupportedReason();
    if (reason !== undefined || NATS_SERVER_BIN === undefined) {
      t.skip(`network namespaces unavailable: ${reason}`);
      return;
    }
    const dir = tempDir('widthsweep-netns-');
    const lab = NetnsLab.create({ hosts: HOSTS });
    const started: LabProcess[] = [];
    const cli = (host: string, args: string[]): LabProcess => {
      const p = lab.spawn(host, process.execPath, [CLI, ...args]);
      started.push(p);
      return p;
    };
    const logs = (): string =>
      started
        .map(
          (p, i) =>
            `--- process ${i}: ${p.child.spawnargs.slice(4).join(' ')}\n${p.output().slice(-3000)}`,
        )
        .join('\n');
    try {
      const nats = lab.spawn('nats', NATS_SERVER_BIN, [
        '-a',
        '0.0.0.0',
        '-p',
        '4222',
        '-js',
        '-sd',
        join(dir.path, 'js'),
      ]);
      started.push(nats);
      await waitFor(
        'nats-server to be ready',
        () => nats.output().includes('Server is ready'),
        20_000,
        logs,
      );
      const url = (host: string): string => `nats://${lab.hubAddressFor(host)}:4222`;
      const worker = (host: 'wa' | 'wb'): LabProcess =>
        // wasm, whatever `auto` would pick: tasks must last long enough to be cut off mid-study.
        cli(host, [
          'worker',
          '--nats',
          url(host),
          '--threads',
          '1',
          '--name',
          host,
          '--grace',
          '2',
          '--backend',
          'wasm',
        ]);
      const wa = worker('wa');
      const wb = worker('wb');

      // Long enough that the study is still running when wa's cable is pulled.
      const db = join(dir.path, 'netns.sqlite');
      const spec = join(dir.path, 'netns.json');
      writeFileSync(
        spec,
        JSON.stringify({
          name: 'netns',
          grid: {
            dims: [1],
            widths: [4, 8, 12, 16, 24, 32],
            seeds: [0, 1, 2, 3, 4],
            targets: ['sine'],
          },
          train: { steps: 300, samples: 64, optimizer: 'adam' },
          eval: { samples: 256 },
        }),
      );
      const total = 30;
      const run = cli('coord', [
        'run',
        spec,
        '--nats',
        url('coord'),
        '--db',
        db,
        '--ack-wait',
        '3',
        '--json',
      ]);

      const doneBy = (w: string): number =>
        count(db, `SELECT count(*) AS n FROM results WHERE worker = '${w}'`);
      await waitFor('worker wa to finish a task', () => doneBy('wa') >= 1, 90_000, logs);
      const doneBeforeCut = count(db, 'SELECT count(*) AS n FROM results');
      assert.ok(
        doneBeforeCut <= total - 4,
        `${doneBeforeCut}/${total} done before the cut: too late to prove anything`,
      );
      lab.cut('wa');
      const cutAt = Date.now();

      const runExit = await Promise.race([
        run.done,
        sleep(150_000, undefined, { ref: false }).then(() => 'timeout' as const),
      ]);
      assert.notEqual(runExit, 'timeout', `the study did not finish without wa\n${logs()}`);
      assert.equal(runExit, 0, logs());
      const summary = lastJsonLine<{ total: number; done: number }>(
        run
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .join('\n'),
      );
      assert.equal(summary.total, total);
      assert.equal(summary.done, total);

      // One result per task, all done.
      const rows = query(
        db,
        "SELECT task_id, status, attempts, worker FROM task_results WHERE study = 'netns'",
      );
      assert.equal(rows.length, total);
      assert.equal(new Set(rows.map((r) => r.task_id)).size, total);
      assert.deepEqual(
        rows.filter((r) => r.status !== 'done'),
        [],
      );
      assert.equal(count(db, 'SELECT count(*) AS n FROM results'), total);
      // What wa held when it was cut off went back to the queue after the ack wait, and wb
      // trained it.
      const redelivered = rows.filter((r) => (r.attempts as number) >= 2);
      assert.ok(
        redelivered.some((r) => r.worker === 'wb'),
        `no task was redelivered to wb: ${JSON.stringify(redelivered)}\n${logs()}`,
      );

      t.diagnostic(
        `cut wa after ${doneBeforeCut}/${total} results; the study finished ${Date.now() - cutAt} ms later; ` +
          `${redelivered.length} task(s) redelivered (${redelivered.map((r) => `${String(r.worker)}, attempt ${String(r.attempts)}`).join('; ')}); ` +
          `results by wa ${doneBy('wa')}, by wb ${doneBy('wb')}`,
      );

      // Cable back in: wa's heartbeat returns, and with wb gone it alone trains a new study.
      const restoredAt = new Date().toISOString();
      lab.restore('wa');
      await waitFor(
        "wa's heartbeat after the link came back",
        async () => {
          const status = cli('coord', ['status', '--db', db, '--nats', url('coord'), '--json']);
          if ((await status.done) !== 0) return false;
          const workers =
            (
              JSON.parse(status.output().trim().split('\n').pop() ?? '{}') as {
                workers?: Array<{ name: string; lastHeartbeat: string }>;
              }
            ).workers ?? [];
          return workers.some((w) => w.name === 'wa' && w.lastHeartbeat > restoredAt);
        },
        90_000,
        logs,
      );
      t.diagnostic(
        `wa's heartbeat was back ${Date.now() - Date.parse(restoredAt)} ms after the link`,
      );
      wb.child.kill('SIGTERM');
      assert.equal(await wb.done, 0, logs());

      const rejoin = join(dir.path, 'rejoin.json');
      writeFileSync(
        rejoin,
        JSON.stringify({
          name: 'rejoin',
          grid: { dims: [1], widths: [4, 8, 16], seeds: [0], targets: ['sine'] },
          train: { steps: 20, samples: 32, optimizer: 'adam' },
          eval: { samples: 256 },
        }),
      );
      const second = cli('coord', ['run', rejoin, '--nats', url('coord'), '--db', db, '--json']);
      const secondExit = await Promise.race([
        second.done,
        sleep(90_000, undefined, { ref: false }).then(() => 'timeout' as const),
      ]);
      assert.equal(secondExit, 0, `the rejoined worker did not finish a new study\n${logs()}`);
      assert.deepEqual(
        query(db, "SELECT DISTINCT worker FROM task_results WHERE study = 'rejoin'").map(
          (r) => r.worker,
        ),
        ['wa'],
      );

      wa.child.kill('SIGTERM');
      assert.equal(await wa.done, 0, logs());
    } finally {
      await lab.dispose();
      dir.remove();
    }
    assert.deepEqual(lab.existingNamespaces(), [], 'namespaces left behind');
  },
);
