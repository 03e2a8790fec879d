// Bundles the CLI with esbuild into dist/: main.cjs (what every start needs, and the help texts),
// app.cjs (commander and the tool's commands) and one bundle per package a command loads on demand,
// in dist/vendor/, so the published package has no runtime dependency (`npx cio-postmark` fetches
// one package) while `--help` and `--version` read main.cjs alone. CommonJS, because an ES-module
// entry point costs Node 20 several milliseconds of start-up (the async loader). Each bundled
// package's licence ships in dist/THIRD_PARTY_NOTICES.md.
// Type-checking is `npm run typecheck` (tsc).
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";

/**
 * The packages loaded on demand, and the bundle in dist/vendor/ each one lives in. The prompts
 * share one bundle (they share @inquirer/core); each is a property of it.
 */
const LAZY_PACKAGES = {
  postmark: { bundle: "postmark" },
  nodemailer: { bundle: "nodemailer" },
  "@inquirer/select": { bundle: "prompts", key: "select" },
  "@inquirer/search": { bundle: "prompts", key: "search" },
  "@inquirer/input": { bundle: "prompts", key: "input" },
  "@inquirer/password": { bundle: "prompts", key: "password" },
  "@inquirer/confirm": { bundle: "prompts", key: "confirm" },
  conf: { bundle: "conf" },
  ora: { bundle: "ora" },
  "smtp-server": { bundle: "smtp-server" },
  open: { bundle: "open" },
  undici: { bundle: "undici" },
};
const vendorFile = (bundle) => `vendor/${bundle}.cjs`;
const bundles = [...new Set(Object.values(LAZY_PACKAGES).map(({ bundle }) => bundle))];
/** The packages a bundle holds, by the key they are exported under (none: the package is the bundle's exports). */
const membersOf = (bundle) => Object.entries(LAZY_PACKAGES).filter(([, link]) => link.bundle === bundle);

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // `npm ci --omit=dev` in a clone: the dev tools are not there, so there is nothing to build with.
  if (process.argv.includes("--if-possible")) {
    process.stderr.write(
      "cio-postmark: esbuild is not installed (dev dependencies left out), so dist/ was not built. " +
        "Run `npm install` and `npm run build`.\n",
    );
    process.exit(0);
  }
  throw new Error("esbuild is not installed: run `npm install` first.");
}

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

/**
 * In main.cjs, a lazily imported package is its own bundle beside it, required only when a command
 * imports it: a small link module stands for the package, and the bundle's path stays external.
 */
const vendorLinks = {
  name: "vendor-links",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.path in LAZY_PACKAGES ? { path: args.path, namespace: "vendor-link" } : undefined));
    build.onResolve({ filter: /.*/, namespace: "vendor-link" }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: "vendor-link" }, (args) => {
      const { bundle, key } = LAZY_PACKAGES[args.path];
      const path = JSON.stringify(`./${vendorFile(bundle)}`);
      return { contents: `module.exports = require(${path})${key ? `[${JSON.stringify(key)}]` : ""};`, loader: "js" };
    });
  },
};

/**
 * Each vendor bundle's exports, so that both ways of importing it work: an ES-module package's
 * default export is module.exports itself (its named exports on it too), a CommonJS package's
 * exports stay as they are.
 */
const vendorEntries = {
  name: "vendor-entries",
  setup(build) {
    build.onResolve({ filter: /^vendor-entry:/ }, (args) => ({ path: args.path.slice("vendor-entry:".length), namespace: "vendor-entry" }));
    build.onLoad({ filter: /.*/, namespace: "vendor-entry" }, (args) => {
      const unwrap = `const exportsOf = (ns) => {
  const main = ns && ns.__esModule && "default" in ns ? ns.default : ns;
  if (main !== ns) for (const key of Object.keys(ns)) if (key !== "default" && !(key in main)) main[key] = ns[key];
  return main;
};`;
      const members = membersOf(args.path);
      const load = (name) => `exportsOf(require(${JSON.stringify(name)}))`;
      const body =
        members.length === 1 && !members[0][1].key
          ? `module.exports = ${load(members[0][0])};`
          : `module.exports = {${members.map(([name, { key }]) => `${JSON.stringify(key)}: ${load(name)}`)}};`;
      return { contents: `${unwrap}\n${body}`, loader: "js", resolveDir: process.cwd() };
    });
  },
};

const common = { bundle: true, format: "cjs", platform: "node", target: "node20", minify: true, logLevel: "warning", metafile: true };

/**
 * The tool's own code is two bundles. main.cjs holds what every start needs: src/main.ts and what it
 * imports statically (the exit-code table, the journal, the stop handlers), so `--version` and
 * `--help` parse a few kilobytes; app.cjs holds the rest (commander, the commands, the sandbox),
 * required at the first dynamic import. A module with state (CliError's class, the journal, the
 * interrupt counter) lives once, in main.cjs: app.cjs takes those modules from it.
 */
const own = { ...common, legalComments: "none", define: { CIO_POSTMARK_VERSION: JSON.stringify(version) } };
const relative_ = (path) => relative(process.cwd(), path).split(sep).join("/");

/** main.ts's static graph (`inMain`), and what it imports dynamically from outside it (`lazy`): app.cjs's entries. */
const dynamicTargets = new Set();
const probe = await esbuild.build({
  ...own,
  entryPoints: ["src/main.ts"],
  write: false,
  outfile: "dist/main.cjs",
  plugins: [deferChildProcess, vendorLinks, linkedImports({ lazy: "external", record: dynamicTargets })],
});
const inMain = new Set(Object.keys(probe.metafile.inputs).filter((input) => input.startsWith("src/")));
const lazy = [...dynamicTargets].filter((target) => !inMain.has(target)).sort();

rmSync("dist", { recursive: true, force: true });
const buildMain = (help) =>
  esbuild.build({
    ...own,
    define: { ...own.define, ...(help ? { CIO_POSTMARK_HELP: JSON.stringify(help) } : {}) },
    stdin: {
      contents: [
        'export * from "./src/main.ts";',
        ...[...inMain].map((file, index) => `import * as shared${index} from "./${file}";`),
        `export const __shared = {${[...inMain].map((file, index) => `${JSON.stringify(file)}: shared${index}`).join(", ")}};`,
      ].join("\n"),
      resolveDir: process.cwd(),
      loader: "ts",
    },
    outfile: "dist/main.cjs",
    plugins: [deferChildProcess, vendorLinks, linkedImports({ lazy: "app" })],
  });
await buildMain(undefined);
const app = await esbuild.build({
  ...own,
  stdin: {
    contents: [
      ...lazy.map((file, index) => `import * as lazy${index} from "./${file}";`),
      `export const __modules = {${lazy.map((file, index) => `${JSON.stringify(file)}: lazy${index}`).join(", ")}};`,
    ].join("\n"),
    resolveDir: process.cwd(),
    loader: "ts",
  },
  outfile: "dist/app.cjs",
  plugins: [deferChildProcess, vendorLinks, linkedImports({ shared: inMain })],
});
// Help as commander prints it to a pipe, rendered from the program itself: main.cjs answers `--help` without app.cjs.
const main = await buildMain(renderHelp());
const vendor = await esbuild.build({
  ...common,
  entryPoints: Object.fromEntries(bundles.map((bundle) => [vendorFile(bundle).replace(/\.cjs$/, ""), `vendor-entry:${bundle}`])),
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  legalComments: "eof",
  // ES-module packages find their own files through import.meta.url (open's xdg-open): the bundle's own address.
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "__bundleUrl" },
  plugins: [vendorEntries],
});

// What a bundled package reads from its own folder at run time goes beside its bundle.
copyFileSync(join(dirname(installedManifest("open")), "xdg-open"), "dist/vendor/xdg-open");

writeFileSync("dist/THIRD_PARTY_NOTICES.md", notices([main.metafile, app.metafile, vendor.metafile]));

/**
 * Joins the two bundles. In main.cjs (`lazy`), a dynamic import of the tool's own code outside
 * main.ts's static graph is a require of app.cjs, made only when the import runs ("external": the
 * probe only records them). In app.cjs (`shared`), an import of a module main.cjs holds is a
 * require of main.cjs, so that module exists once.
 */
function linkedImports({ lazy: mode, shared, record }) {
  return {
    name: "linked-imports",
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData === "linked" || !args.importer || args.namespace !== "file") return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: "linked",
        });
        if (resolved.errors.length > 0 || resolved.external) return undefined;
        const file = relative_(resolved.path);
        if (shared?.has(file)) return { path: file, namespace: "main-link" };
        if (mode && args.kind === "dynamic-import" && file.startsWith("src/")) {
          record?.add(file);
          if (mode === "external") return { path: args.path, external: true };
          if (!inMain.has(file)) return { path: file, namespace: "app-link" };
        }
        return undefined;
      });
      build.onResolve({ filter: /^\.\/(main|app)\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: "main-link" }, (args) => ({
        contents: `module.exports = require("./main.cjs").__shared[${JSON.stringify(args.path)}];`,
        loader: "js",
      }));
      build.onLoad({ filter: /.*/, namespace: "app-link" }, (args) => ({
        contents: `module.exports = require("./app.cjs").__modules[${JSON.stringify(args.path)}];`,
        loader: "js",
      }));
    },
  };
}

/**
 * Each help text as commander writes it to a pipe (80 columns, no colour), from the program app.cjs
 * builds: `cio-postmark --help` and each command's. main.ts prints one when a run asks for exactly
 * that, so the text is the program's own, only read sooner.
 */
function renderHelp() {
  const require = createRequire(import.meta.url);
  const cli = require("../dist/app.cjs").__modules["src/cli.ts"];
  const texts = {};
  const isTTY = process.stdout.isTTY;
  process.stdout.isTTY = false; // the width and colours commander uses for a pipe
  try {
    for (const command of ["", "setup", "doctor", "status", "remove", "apply", "recipient"]) {
      let text = "";
      const io = { stdout: { write: (chunk) => ((text += chunk), true) }, stderr: { write: () => true }, stdin: process.stdin, env: {} };
      const program = cli.createProgram({ io, secrets: undefined, overrides: {}, json: false, exitCode: 0 });
      try {
        program.parse([...(command ? [command] : []), "--help"], { from: "user" });
      } catch (error) {
        if (!(error instanceof cli.CommanderError) || error.exitCode !== 0) throw error;
      }
      texts[command] = text;
    }
  } finally {
    process.stdout.isTTY = isTTY;
  }
  return texts;
}

/** A package's package.json, in the project's own node_modules. */
function installedManifest(name) {
  const dir = join("node_modules", name);
  if (!existsSync(join(dir, "package.json"))) throw new Error(`${name} is not installed`);
  return join(dir, "package.json");
}

/** Every package whose code is in a bundle, with its version and licence text, in one file. */
function notices(metafiles) {
  const packages = new Map();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const dir = packageDir(input);
      if (dir && !packages.has(dir)) packages.set(dir, JSON.parse(readFileSync(join(dir, "package.json"), "utf8")));
    }
  }
  const sections = [...packages]
    .sort(([, a], [, b]) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`))
    .map(([dir, manifest]) => {
      const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
      const text = file
        ? readFileSync(join(dir, file), "utf8").trim()
        : `${manifest.license ?? "UNKNOWN"} (no licence file in the package)`;
      return `## ${manifest.name} ${manifest.version}\n\nLicence: ${manifest.license ?? "UNKNOWN"}\n\n\`\`\`\n${text}\n\`\`\``;
    });
  const intro = `cio-postmark ${version} bundles these packages into dist/. Their licences follow.`;
  return `# Third-party notices\n\n${intro}\n\n${sections.join("\n\n")}\n`;
}

/** The package folder an esbuild input lies in (node_modules/<name> or node_modules/@scope/<name>, nested ones included). */
function packageDir(input) {
  const parts = relative(".", input).split(sep);
  const last = parts.lastIndexOf("node_modules");
  if (last < 0) return undefined;
  const length = parts[last + 1]?.startsWith("@") ? 3 : 2;
  let dir = parts.slice(0, last + length).join(sep);
  // A package's package.json may sit deeper than its name (a nested manifest with "type": "module").
  while (existsSync(dir) && !existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return existsSync(join(dir, "package.json")) ? dir : undefined;
}
