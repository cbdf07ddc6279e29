/**
 * Preloaded into the timed `collect --once` by bench/dispatch.ts `--cpu-prof DIR`
 * (NODE_OPTIONS=--import; node refuses --cpu-prof there): records a V8 CPU profile of the whole
 * process and writes it to DIR as it exits, for chrome://inspect or any .cpuprofile viewer.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

export const CPU_PROFILE_DIR_ENV = 'WIDTHSWEEP_BENCH_CPU_PROF_DIR';

const dir = process.env[CPU_PROFILE_DIR_ENV];
if (dir !== undefined) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // A session in the same thread answers synchronously, so the profile is written before exit.
    session.post('Profiler.stop', (err, result) => {
      if (err === null) {
        writeFileSync(
          join(dir, `collect-${process.pid}.cpuprofile`),
          JSON.stringify(result.profile),
        );
      }
    });
  });
}
