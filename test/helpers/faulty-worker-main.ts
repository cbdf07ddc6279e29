/**
 * The widthsweep CLI with fault injection, for tests and recovery drills only: the same program
 * as bin/widthsweep.js, but `worker` fails every task whose grid seed WIDTHSWEEP_FAIL_SEEDS
 * names (comma-separated). The production CLI has no such switch.
 *
 *   WIDTHSWEEP_FAIL_SEEDS=13 node dist/test/helpers/faulty-worker-main.js worker --nats …
 */
import { main } from '../../cli/main.js';
import { FaultyRunner, failSeedsFromEnv } from './faulty-runner.js';

const seeds = failSeedsFromEnv();
process.exitCode = await main(process.argv, {
  worker: { wrapRunner: (runner) => new FaultyRunner(runner, seeds) },
});
