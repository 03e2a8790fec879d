// Bundles the CLI with esbuild into dist/: main.cjs (commander and the tool's own code) and one
// bundle per package a command loads on demand, in dist/vendor/, so the published package has no
// runtime dependency (`npx cio-postmark` fetches one package) while `--help` and `--version` load
// none of them. CommonJS, because an ES-module entry point costs Node 20 several milliseconds of
// start-up (the async loader). Each bundled package's licence ships in dist/THIRD_PARTY_NOTICES.md.
// Type-checking is `npm run typecheck` (tsc).
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

rmSync("dist", { recursive: true, force: true });
const main = await esbuild.build({
  ...common,
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.cjs",
  // Our own code's comments are not legal notices; the bundled packages' are in the notices file.
  legalComments: "none",
  define: { CIO_POSTMARK_VERSION: JSON.stringify(version) },
  plugins: [deferChildProcess, vendorLinks],
});
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

writeFileSync("dist/THIRD_PARTY_NOTICES.md", notices([main.metafile, vendor.metafile]));

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
