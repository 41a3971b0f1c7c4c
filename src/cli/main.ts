// Entry point: bin/tsswarm.js loads this through tsx. The CLI itself lives in program.ts.

import { run } from './program.js';

// `tsswarm service ls | head -1`: a closed pipe ends the output quietly, as in other CLIs.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await run(process.argv.slice(2));
process.exitCode = code;
// A finished command must not be kept alive by a handle something left open (a stopped
// daemon's socket, say): exit anyway after a short grace, which is unref'd so a clean
// process exits at once.
setTimeout(() => process.exit(code), 2000).unref();
