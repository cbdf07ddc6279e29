import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tinyStudy, writeSpec } from '../helpers/faults.js';
import { NATS_SERVER, TestNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('widthsweep-faults-auth-');
after(() => dir.remove());

// A password with every character that broke URL parsing: "/", "@" and ":".
const USER = 'alice';
const PASSWORD = 'pa/ss@WORD:1';

test(
  'faults local - URL credentials authenticate to a real server and are never printed',
  { skip: NATS_SERVER.skip },
  async () => {
    const server = await TestNatsServer.start({ user: USER, password: PASSWORD });
    try {
      const where = `127.0.0.1:${server.port}`;
      const accepted = [
        `nats://${USER}:${PASSWORD}@${where}`,
        `nats://${USER}:${encodeURIComponent(PASSWORD)}@${where}`,
        `${USER}:${PASSWORD}@${where}`,
      ];
      for (const [i, url] of accepted.entries()) {
        // One study per URL: a study already queued on the server would publish nothing.
        const spec = writeSpec(dir.path, `auth-${i}.json`, tinyStudy(`url-auth-${i}`, 2, 1));
        const db = join(dir.path, `auth-${i}.sqlite`);
        const out = await runCli(
          ['run', spec, '--db', db, '--nats', url, '--detach', '--connect-timeout', '10'],
          dir.path,
        );
        assert.equal(out.code, 0, `${i}: ${out.stderr}`);
        assert.match(out.stderr, /2 task\(s\) published/, `${i}`);
        for (const secret of ['ss@WORD', 'WORD:1', encodeURIComponent(PASSWORD)]) {
          assert.ok(
            !`${out.stdout}${out.stderr}`.includes(secret),
            `${i}: the password was printed`,
          );
        }
      }
      const wrong = await runCli(
        [
          'run',
          writeSpec(dir.path, 'wrong.json', tinyStudy('url-auth-wrong', 2, 1)),
          '--db',
          join(dir.path, 'wrong.sqlite'),
          '--nats',
          `nats://${USER}:wr/ong@PASSWORD9@${where}`,
          '--detach',
          '--connect-timeout',
          '5',
        ],
        dir.path,
      );
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, /refused the credentials/);
      assert.ok(!/ong@PASSWORD9|PASSWORD9/.test(wrong.stderr), 'the wrong password was printed');
    } finally {
      await server.dispose();
    }
  },
);
