// Bundles the CLI into one CommonJS file with esbuild. CommonJS, because an ES-module entry point
// costs Node 20 several milliseconds of start-up (the async loader) that `--help` and `--version`
// should not pay. Heavy dependencies stay in node_modules and are imported only when a command
// needs them. Type-checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const LAZY_PACKAGES = [
  "postmark",
  "nodemailer",
  "@inquirer/select",
  "@inquirer/search",
  "@inquirer/input",
  "@inquirer/password",
  "@inquirer/confirm",
  "conf",
  "ora",
  "smtp-server",
  "open",
];
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

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
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  external: LAZY_PACKAGES,
  define: { CIO_POSTMARK_VERSION: JSON.stringify(version) },
  plugins: [deferChildProcess],
  logLevel: "warning",
});
