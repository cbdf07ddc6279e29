import type { NatsConnection } from '@nats-io/transport-node';
import { poolCapabilityIssues } from '../../shared/capabilities.js';
import { ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { openWorkerBucket } from '../../shared/nats/topology.js';
import type { Route } from '../../shared/spec/schema.js';
import type { TaskSpec } from '../../shared/task.js';
import { listWorkers } from '../../shared/wire/heartbeat.js';

/**
 * Before publishing: every routed pool needs a live worker that can train its tasks
 * (shared/capabilities.ts, the rule workers refuse tasks by). A pool without one is a warning,
 * since workers may join later and the tasks wait in the queue; with `strict` it is a
 * ValidationError (exit 2) naming the routing rule and the pool, and nothing is published.
 */
export async function checkPoolCapabilities(
  nc: NatsConnection,
  tasks: readonly TaskSpec[],
  routing: readonly Route[],
  strict: boolean,
  log: Logger,
): Promise<void> {
  if (tasks.length === 0) return;
  const workers = await listWorkers(await openWorkerBucket(nc));
  const issues = poolCapabilityIssues(tasks, routing, workers);
  const first = issues[0];
  if (first === undefined) return;
  if (strict) {
    throw new ValidationError(
      first.rule,
      `${issues.map((issue) => issue.message).join('; ')} (--strict: nothing was published)`,
    );
  }
  for (const issue of issues) {
    log.warn(`${issue.message}; those tasks wait in the queue until such a worker joins`);
  }
}
