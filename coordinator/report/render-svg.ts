import { parse, View } from 'vega';
import type { Spec } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** Stroke of the symbols of a line-style (strokeDash) legend. */
const DASH_LEGEND_STROKE = '#444';

/**
 * Vega-Lite draws the symbols of a strokeDash legend with a transparent stroke when colour is
 * encoded by another field, which leaves the legend with labels and no lines; give them one.
 */
function showDashLegendSymbols(spec: Spec): void {
  for (const legend of spec.legends ?? []) {
    if (legend.strokeDash === undefined) continue;
    const update = legend.encode?.symbols?.update;
    if (update !== undefined) update.stroke = { value: DASH_LEGEND_STROKE };
  }
}

/** The Vega spec the report renders, for any Vega renderer (the dashboard embeds it). */
export function toVegaSpec(spec: TopLevelSpec): Spec {
  const vegaSpec = compile(spec).spec;
  showDashLegendSymbols(vegaSpec);
  return vegaSpec;
}

/**
 * Renders a Vega-Lite spec to an SVG string in Node, headless (no canvas, no DOM): vega-lite
 * compiles it to a Vega spec, a View with the `none` renderer runs the dataflow, and toSVG()
 * serialises the scenegraph. Specs carry their data inline, so nothing is loaded.
 *
 * The namespace declarations are dropped because the SVG is inlined into HTML, where the parser
 * puts <svg> in the SVG namespace by itself; the report then contains no URL at all, which is
 * how the tests check that it opens offline.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = toVegaSpec(spec);
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}
