import type Database from 'better-sqlite3';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { STUDY_NAME_PATTERN } from '../../shared/spec/schema.js';
import { accessControl } from './access.js';
import type { AnalysisService } from './analysis-service.js';
import type { Asset } from './assets.js';
import type { DbWatcher } from './db-watcher.js';
import { studiesPage, studiesTable, studyPage, studyProgress } from './pages.js';
import type { StudyProgressParts } from './pages.js';
import type { DashboardQueries } from './queries.js';
import type { ResolvedServeOptions } from './serve-options.js';
import { taskPage } from './task-page.js';
import type { WorkersView } from './workers-view.js';

const TASK_ID_PATTERN = /^[0-9a-f]{32}$/;
/** Tasks listed on a study page (latest results, failures); the counts cover all of them. */
const LIST_LIMIT = 15;
/** Comment lines keep idle event streams open through proxies. Unit: ms. */
const KEEPALIVE_MS = 15_000;

export interface RouteDeps {
  readonly options: ResolvedServeOptions;
  readonly db: Database.Database;
  readonly queries: DashboardQueries;
  readonly watcher: DbWatcher;
  readonly analysis: AnalysisService;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly workers: WorkersView | null;
}

/**
 * Content-Security-Policy: scripts only from this server ('unsafe-eval' because Vega compiles
 * its expressions to functions), styles inline (vega-embed injects its own), nothing external.
 */
const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const notFound = (c: Context, message: string) => c.text(`not found: ${message}`, 404);

function progressParts(queries: DashboardQueries, study: string): StudyProgressParts | undefined {
  const overview = queries.study(study);
  if (overview === undefined) return undefined;
  return {
    overview,
    curves: queries.curves(study),
    recent: queries.recentResults(study, LIST_LIMIT),
    failed: queries.failedTasks(study, LIST_LIMIT),
  };
}

/** The dashboard's routes; every one reads, none writes. */
export function dashboardApp(deps: RouteDeps): Hono {
  const { queries } = deps;
  const app = new Hono();
  app.use(accessControl(deps.options.token));
  app.use(async (c, next) => {
    const unknown = Object.keys(c.req.queries()).filter((k) => k !== 'token');
    if (unknown.length > 0)
      return c.text(`bad request: unknown query parameter ${unknown[0]}`, 400);
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    if (!c.req.path.startsWith('/assets/')) c.header('Cache-Control', 'no-store');
    return undefined;
  });
  // Study and task ids are checked before any query: a bad one is a 404, never an error.
  const study = (c: Context): string | undefined => {
    const id = c.req.param('study') ?? '';
    return STUDY_NAME_PATTERN.test(id) ? id : undefined;
  };

  app.get('/', (c) => c.html(studiesPage(queries.studies(), deps.options.db)));
  app.get('/fragments/studies', (c) => c.html(studiesTable(queries.studies())));
  app.get('/studies/:study', (c) => {
    const id = study(c);
    const parts = id === undefined ? undefined : progressParts(queries, id);
    if (parts === undefined) return notFound(c, `no study ${JSON.stringify(c.req.param('study'))}`);
    return c.html(
      studyPage(parts, deps.workers !== null, queries.searchText(parts.overview.study)),
    );
  });
  app.get('/fragments/studies/:study/progress', (c) => {
    const id = study(c);
    const parts = id === undefined ? undefined : progressParts(queries, id);
    if (parts === undefined) return notFound(c, `no study ${JSON.stringify(c.req.param('study'))}`);
    return c.html(studyProgress(parts));
  });
  app.get('/api/studies', (c) => c.json(queries.studies()));
  app.get('/api/studies/:study/analysis', async (c) => {
    const id = study(c);
    if (id === undefined || queries.study(id) === undefined) {
      return notFound(c, `no study ${JSON.stringify(c.req.param('study'))}`);
    }
    return c.json(await deps.analysis.analysis(id, deps.watcher.current.resultMark));
  });
  app.get('/tasks/:task', (c) => {
    const id = c.req.param('task');
    const detail = TASK_ID_PATTERN.test(id) ? queries.task(id) : undefined;
    if (detail === undefined) return notFound(c, `no task ${JSON.stringify(id)}`);
    return c.html(taskPage(deps.db, detail));
  });
  app.get('/fragments/workers', async (c) => {
    if (deps.workers === null)
      return notFound(c, 'no workers table: serve was started without --nats');
    return c.html(await deps.workers.html());
  });
  app.get('/assets/:name', (c) => {
    const asset = deps.assets.get(c.req.param('name'));
    if (asset === undefined) return notFound(c, `no asset ${JSON.stringify(c.req.param('name'))}`);
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'max-age=3600');
    return c.body(new Uint8Array(asset.body));
  });
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const send = (event: string, data: unknown) =>
        stream.writeSSE({ event, data: JSON.stringify(data) });
      const onChange = (change: unknown) => void send('change', change);
      deps.watcher.on('change', onChange);
      const keepalive = setInterval(() => void stream.write(': keepalive\n\n'), KEEPALIVE_MS);
      try {
        await send('hello', deps.watcher.current);
        await new Promise<void>((resolve) => stream.onAbort(resolve));
      } finally {
        clearInterval(keepalive);
        deps.watcher.off('change', onChange);
      }
    }),
  );
  app.notFound((c) => notFound(c, c.req.path));
  app.onError((err, c) => {
    // The message stays in the server's log; the page says only that something failed.
    process.stderr.write(
      `widthsweep serve: ${c.req.method} ${c.req.path}: ${err.stack ?? String(err)}\n`,
    );
    return c.text('internal error: see the server log', 500);
  });
  return app;
}
