// Bundles the CLI with esbuild: one small start-up chunk (commander and the program's definition),
// the rest in chunks loaded when a command runs. Heavy dependencies stay in node_modules and are
// imported only by the code that needs them. Type-checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { rmSync } from "node:fs";

const LAZY_PACKAGES = ["postmark", "nodemailer", "@inquirer/prompts", "conf", "ora", "smtp-server", "selfsigned"];

/**
 * commander requires node:child_process at load time only to run executable subcommands, which
 * this CLI does not have; loading it costs ~7 ms of every start. Defer it until first use.
 */
const deferChildProcess = {
  name: "defer-child-process",
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes("node_modules/commander/") ? { path: "deferred-child-process", namespace: "defer" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "defer" }, () => ({
      contents: 'module.exports = new Proxy({}, { get: (_, key) => require("node:child_process")[key] });',
      loader: "js",
    }));
  },
};

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/main.ts", "src/store/config-store.ts"],
  outdir: "dist",
  outbase: "src",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  external: LAZY_PACKAGES,
  // Bundled CommonJS (commander) calls require(); ESM output has none of its own.
  banner: { js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);' },
  plugins: [deferChildProcess],
  logLevel: "warning",
});
