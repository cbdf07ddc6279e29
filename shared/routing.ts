import { DEFAULT_POOL } from './nats/subjects.js';
import type { Route } from './spec/schema.js';
import type { TaskSpec } from './task.js';

function matches(route: Route, task: TaskSpec): boolean {
  return (
    (route.minWidth === undefined || task.width >= route.minWidth) &&
    (route.maxWidth === undefined || task.width <= route.maxWidth) &&
    (route.dims === undefined || route.dims.includes(task.dim)) &&
    (route.targets === undefined || route.targets.includes(task.target.name))
  );
}

/** The index of the first rule matching `task`, or -1 when none does (the default pool). */
export function routeIndexFor(routing: readonly Route[], task: TaskSpec): number {
  return routing.findIndex((route) => matches(route, task));
}

/** The pool of workers a task goes to: the first matching rule's, else `default`. */
export function poolFor(routing: readonly Route[], task: TaskSpec): string {
  return routing[routeIndexFor(routing, task)]?.pool ?? DEFAULT_POOL;
}

/** Every pool a study's routing can send tasks to, `default` included. */
export function poolsOf(routing: readonly Route[]): string[] {
  return [...new Set([DEFAULT_POOL, ...routing.map((r) => r.pool)])];
}
