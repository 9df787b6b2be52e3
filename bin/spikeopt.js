#!/usr/bin/env node
// Entry point of the `spikeopt` command: runs the compiled CLI (built by `npm install` through `prepare`).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
