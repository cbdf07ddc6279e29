import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** A file of an installed package's build/ folder (their exports hide the UMD bundles). */
function packageBuildFile(pkg: string, file: string): string {
  return join(dirname(fileURLToPath(import.meta.resolve(pkg))), file);
}

/**
 * Everything the pages load besides themselves, read once at start: vega, vega-lite and
 * vega-embed from node_modules (no CDN, so the dashboard works offline) and the client script.
 */
export function loadAssets(): ReadonlyMap<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const files: Array<[string, string]> = [
    ['vega.min.js', packageBuildFile('vega', 'vega.min.js')],
    ['vega-lite.min.js', packageBuildFile('vega-lite', 'vega-lite.min.js')],
    ['vega-embed.min.js', packageBuildFile('vega-embed', 'vega-embed.min.js')],
    ['dashboard.js', fileURLToPath(new URL('./client/dashboard.js', import.meta.url))],
  ];
  return new Map(files.map(([name, path]) => [name, { body: readFileSync(path), type: js }]));
}
