import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import stryker from "../../stryker.config.json" with { type: "json" };

/**
 * Mutation runs only: loads every module Stryker mutates before any test starts. Under one module graph
 * (isolate: false) a module is otherwise first loaded inside whichever test reaches it first, so its
 * module-level code counts as that one test's coverage and Stryker switches those mutants on after the
 * code has run: they "survive" untested (stryker-js issues 6144, 6209). Loaded here, that code is
 * static, which stryker.config.json's ignoreStatic leaves out of the score, as Stryker means it to.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const folders = stryker.mutate.map((pattern) => pattern.replace(/\/\*\*\/\*\.ts$/, ""));
const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
  .map((file) => `src/${file.replaceAll("\\", "/")}`)
  .filter((file) => file.endsWith(".ts") && folders.some((folder) => file === folder || file.startsWith(`${folder}/`)));
if (sources.length === 0) throw new Error("load-mutated-modules found no module to load: has stryker.config.json's mutate list moved?");
for (const file of sources) await import(join(root, file));
