/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard's browser script, served as /assets/dashboard.js. It renders charts the server
 * built (Vega specs) with vega-embed, and keeps the live parts of a page fresh: on every change
 * the server's event stream announces, it refetches the page's fragments (HTML rendered and
 * escaped by the server), and the analysis when a new result was stored.
 */

interface EmbedResult {
  readonly view: { finalize(): void };
}
declare const vegaEmbed: (
  el: HTMLElement,
  spec: unknown,
  options: Record<string, unknown>,
) => Promise<EmbedResult>;

interface ChartView {
  readonly id: string;
  readonly caption: string;
  readonly spec: unknown;
}

interface AnalysisPayload {
  readonly charts: readonly ChartView[];
  readonly html: string;
  readonly ms: number;
}

const embedded = new Map<string, EmbedResult>();

/** Renders each chart into its own figure of `container`, replacing an earlier view. */
async function renderCharts(container: HTMLElement, charts: readonly ChartView[]): Promise<void> {
  for (const chart of charts) {
    let figure = document.getElementById(`figure-${chart.id}`);
    if (figure === null) {
      figure = document.createElement('figure');
      figure.id = `figure-${chart.id}`;
      figure.className = 'chart';
      const target = document.createElement('div');
      const caption = document.createElement('figcaption');
      caption.className = 'meta';
      figure.append(target, caption);
      container.append(figure);
    }
    const target = figure.firstElementChild as HTMLElement;
    (figure.lastElementChild as HTMLElement).textContent = chart.caption;
    const result = await vegaEmbed(target, chart.spec, {
      mode: 'vega',
      renderer: 'svg',
      actions: false,
    });
    embedded.get(chart.id)?.view.finalize();
    embedded.set(chart.id, result);
  }
}

/** Runs `task` now, or once more after the run in flight when called during one. */
function coalesced(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    task()
      .catch((err: unknown) => {
        setStatus(`update failed: ${String(err)}`);
      })
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}

function setStatus(text: string): void {
  const live = document.getElementById('live');
  if (live !== null) live.textContent = text;
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.text();
}

const refreshFragments = coalesced(async () => {
  for (const el of document.querySelectorAll<HTMLElement>('[data-live]')) {
    el.innerHTML = await fetchText(el.dataset.live ?? '');
  }
});

const refreshAnalysis = coalesced(async () => {
  const url = document.body.dataset.analysis;
  const charts = document.getElementById('charts');
  const tables = document.getElementById('analysis');
  const status = document.getElementById('analysis-status');
  if (url === undefined || charts === null || tables === null) return;
  const payload = JSON.parse(await fetchText(url)) as AnalysisPayload;
  await renderCharts(charts, payload.charts);
  tables.innerHTML = payload.html;
  if (status !== null) {
    status.textContent = `analysis as of ${new Date().toLocaleTimeString()} (${Math.round(payload.ms)} ms)`;
  }
});

const refreshPolled = coalesced(async () => {
  for (const el of document.querySelectorAll<HTMLElement>('[data-poll]')) {
    el.innerHTML = await fetchText(el.dataset.poll ?? '');
  }
});

function listen(): void {
  let resultMark: number | null = null;
  const events = new EventSource('/events');
  events.addEventListener('open', () => setStatus('live'));
  events.addEventListener('error', () => setStatus('reconnecting…'));
  events.addEventListener('change', (event) => {
    const change = JSON.parse((event as MessageEvent<string>).data) as { resultMark: number };
    refreshFragments();
    if (resultMark !== null && change.resultMark !== resultMark) refreshAnalysis();
    resultMark = change.resultMark;
  });
  // Sent on every (re)connection: whatever changed while no stream was open is fetched then.
  events.addEventListener('hello', (event) => {
    const hello = JSON.parse((event as MessageEvent<string>).data) as { resultMark: number };
    resultMark = hello.resultMark;
    refreshFragments();
    refreshAnalysis();
  });
}

function start(): void {
  const page = document.body.dataset.page;
  listen();
  if (page === 'study') {
    if (document.querySelector('[data-poll]') !== null) {
      refreshPolled();
      setInterval(refreshPolled, 5000);
    }
  }
  if (page === 'task') {
    const data = document.getElementById('chart-data');
    const charts = document.getElementById('charts');
    if (data !== null && charts !== null) {
      const views = JSON.parse(data.textContent ?? '[]') as ChartView[];
      renderCharts(charts, views).catch((err: unknown) => setStatus(`plot failed: ${String(err)}`));
    }
  }
}

// Module scripts run after the deferred vega scripts, so vegaEmbed is defined by now.
start();
