#!/usr/bin/env node
// The CLI is compiled TypeScript; `npm ci` builds it (the prepare script).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (err) {
  if (
    err &&
    err.code === 'ERR_MODULE_NOT_FOUND' &&
    String(err.message).includes('dist/cli/main.js')
  ) {
    process.stderr.write('widthsweep: not built yet; run `npm run build` (npm ci does it)\n');
    process.exit(1);
  }
  throw err;
}
process.exitCode = await main(process.argv);
