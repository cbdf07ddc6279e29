/**
 * The best-known references against width, and what each costs per task: for every case, each
 * reference that applies is computed as a task computes it (computeReferences: same training
 * data, initial net, evaluation points and seeds) and its L1 error and fit time are printed as
 * one JSON line per (case, width).
 *
 *   npm run build && node dist/bench/references.js [--samples 1024] [--cases sine1,ridge4,...]
 */
import { parseArgs } from 'node:util';
import { deriveSeed } from '../shared/random.js';
import { initNetwork } from '../shared/init.js';
import { computeReferences } from '../shared/reference/references.js';
import { createTarget, getTargetDefinition } from '../shared/targets/registry.js';
import { sampleTrainingData } from '../shared/training-data.js';

const CASES: Record<string, { target: string; dim: number; widths: number[] }> = {
  sine1: { target: 'sine', dim: 1, widths: [8, 16, 32, 64, 128, 256, 512] },
  ridge4: { target: 'ridge-sine', dim: 4, widths: [16, 32, 64, 128, 256, 512] },
  bump2: { target: 'bump', dim: 2, widths: [16, 32, 64, 128, 256] },
  bump4: { target: 'bump', dim: 4, widths: [16, 32, 64, 128, 256] },
  singular1: { target: 'singular', dim: 1, widths: [8, 16, 32, 64, 128, 256] },
  cost1: { target: 'sine', dim: 1, widths: [64, 256, 1024] },
  cost2: { target: 'sine', dim: 2, widths: [64, 256, 1024] },
  cost4: { target: 'bump', dim: 4, widths: [64, 256, 1024] },
};

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '1024' },
    cases: { type: 'string', default: Object.keys(CASES).join(',') },
    seed: { type: 'string', default: '0' },
  },
});
const samples = Number(values.samples);
const seed = Number(values.seed);
const evalSpec = { samples: 16384, sampler: 'sobol' as const, replicates: 8, sharpen: 1000 };

for (const name of values.cases.split(',')) {
  const c = CASES[name];
  if (c === undefined)
    throw new Error(`unknown case ${name} (known: ${Object.keys(CASES).join(', ')})`);
  const params = getTargetDefinition(c.target)?.params.parse({}) ?? {};
  const target = createTarget({ name: c.target, params }, c.dim);
  const data = sampleTrainingData(target, samples, deriveSeed(seed, 'train-data'));
  for (const width of c.widths) {
    const init = initNetwork(c.dim, width, target.outputs, 'linear', deriveSeed(seed, 'init'));
    const refs = computeReferences({
      target,
      data,
      init,
      evalSpec,
      evalSeed: deriveSeed(seed, 'eval'),
      seed,
    });
    const l1: Record<string, number> = {};
    const ms: Record<string, number> = {};
    for (const r of refs) {
      l1[r.method] = Number(r.metrics.l1Error.toPrecision(3));
      ms[r.method] = Math.round(r.fitMs);
    }
    console.log(
      JSON.stringify({ case: name, target: c.target, dim: c.dim, width, samples, l1, ms }),
    );
  }
}
