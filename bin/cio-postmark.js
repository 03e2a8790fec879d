#!/usr/bin/env node
// CommonJS (see bin/package.json): the fastest way for Node to start the bundled CLI.
// The dependencies are bundled, so npm never checks their engines: this does, in words any old Node can parse.
var needed = Number(/\d+/.exec(require("../package.json").engines.node)[0]);
if (Number(process.versions.node.split(".")[0]) < needed) {
  process.stderr.write(
    "cio-postmark needs Node.js " +
      needed +
      " or newer; this is Node.js " +
      process.versions.node +
      ". Install a current one from https://nodejs.org.\n",
  );
  process.exit(1);
}
// Node 22.1 and later keep the bundle's compiled code between runs (in its own cache folder); older Nodes have no such thing.
require("node:module").enableCompileCache?.();
let cli;
try {
  cli = require("../dist/main.cjs");
} catch (error) {
  // Only a source checkout lacks the bundle (an install with --ignore-scripts): say how to make it.
  if (error.code !== "MODULE_NOT_FOUND" || !String(error.message).includes("main.cjs")) throw error;
  process.stderr.write("cio-postmark is not built yet: run `npm run build` in its folder, then try again.\n");
  process.exit(1);
}

// A reader that stops early (`cio-postmark --help | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
cli.runFromProcess(process.argv.slice(2));
