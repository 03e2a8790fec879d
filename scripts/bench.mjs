// `npm run bench`: bundles scripts/bench.ts (it drives the CLI's own modules in-process) and runs it.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";

mkdirSync(".bench", { recursive: true });
await build({
  entryPoints: ["scripts/bench.ts"],
  outfile: ".bench/bench.mjs",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
await import(new URL("../.bench/bench.mjs", import.meta.url).href);
