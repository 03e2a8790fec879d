// `npm run bench`: bundles scripts/bench.ts (it drives the CLI's own modules in-process) and runs it.
import { build } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";

mkdirSync(".bench", { recursive: true });
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
await build({
  entryPoints: ["scripts/bench.ts"],
  outfile: ".bench/bench.mjs",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  define: { CIO_POSTMARK_VERSION: JSON.stringify(version) },
  logLevel: "warning",
});
await import(new URL("../.bench/bench.mjs", import.meta.url).href);
