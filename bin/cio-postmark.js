#!/usr/bin/env node
// CommonJS (see bin/package.json): the fastest way for Node to start the bundled CLI.
const { runFromProcess } = require("../dist/main.cjs");

// A reader that stops early (`cio-postmark --help | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
runFromProcess(process.argv.slice(2));
