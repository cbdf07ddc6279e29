/**
 * Preloaded into a CLI process by bench/dispatch.ts (NODE_OPTIONS=--import): reports, as the
 * process exits, the CPU time it used (all its threads), so a figure on a shared, busy machine
 * can be given per CPU second as well as per wall second.
 */
export const CPU_REPORT_PREFIX = 'widthsweep-bench-cpu-ms ';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`${CPU_REPORT_PREFIX}${Math.round((user + system) / 1000)}\n`);
});
