// Entry point: bin/tsswarm.js loads this through tsx. The CLI itself lives in program.ts.

import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
