import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The house rules of src/, read from the files themselves: arrows that point inward and down, a pure
 * centre, small files, and one table of exit codes. CONTRIBUTING.md's "The house" says why.
 */

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(folder = SRC): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(SRC, path)] : [];
  });
}

const files = sourceFiles();
const text = new Map(files.map((file) => [file, readFileSync(join(SRC, file), "utf8")]));

/** Every module a file imports or re-exports (type-only ones too: a cycle of types is still a knot to read). */
function importsOf(file: string): string[] {
  const found = new Set<string>();
  const source = text.get(file)!;
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g)) {
    found.add(relative(SRC, resolve(SRC, dirname(file), match[1]!.replace(/\.js$/, ".ts"))));
  }
  for (const match of source.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    found.add(relative(SRC, resolve(SRC, dirname(file), match[1]!.replace(/\.js$/, ".ts"))));
  }
  return [...found];
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

function findCycle(): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("the layout of src/", () => {
  it("reads a real tree: every relative import names a file that exists", () => {
    expect(files.length).toBeGreaterThan(50);
    const missing = [...graph].flatMap(([file, imports]) =>
      imports.filter((target) => !text.has(target)).map((target) => `${file} -> ${target}`),
    );
    expect(missing).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(findCycle()).toBeUndefined();
  });

  it("keeps core/ pure: it imports only core/ and errors.ts, and errors.ts imports nothing", () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith("core/"))
      .flatMap(([file, imports]) =>
        imports.filter((target) => !target.startsWith("core/") && target !== "errors.ts").map((target) => `${file} -> ${target}`),
      );
    expect(outside).toEqual([]);
    expect(graph.get("errors.ts")).toEqual([]);
    const packages = [...text]
      .filter(([file]) => file.startsWith("core/"))
      .flatMap(([file, source]) => [...source.matchAll(/\bfrom\s+["']([^."'][^"']*)["']/g)].map((match) => `${file} -> ${match[1]}`));
    expect(packages).toEqual([]);
  });

  it("keeps every source file at 400 lines or fewer", () => {
    const long = [...text].filter(([, source]) => source.split("\n").length > 400).map(([file]) => file);
    expect(long).toEqual([]);
  });

  it("writes exit codes as numbers in errors.ts only", () => {
    const numeric = /\bexitCode\s*(?::|=|\?\?)\s*\d|process\.exit(?:Code\s*=)?\(?\s*\d|\bExitCode\b[^\n]*=\s*\{/;
    const elsewhere = [...text].filter(([file, source]) => file !== "errors.ts" && numeric.test(source)).map(([file]) => file);
    expect(elsewhere).toEqual([]);
    expect(text.get("errors.ts")).toMatch(/export const ExitCode = \{/);
  });

  it("has src/commands/setup/ with a context, and src/doctor/checks/ with its own checks, the judged ones and an index", () => {
    expect(files).toContain("commands/setup/context.ts");
    const checks = files.filter((file) => file.startsWith("doctor/checks/") && file !== "doctor/checks/index.ts");
    expect(files).toContain("doctor/checks/index.ts");
    // The checks the one judgement decides are views of its findings, together in judged.ts.
    expect(checks).toContain("doctor/checks/judged.ts");
    expect(checks.length).toBeGreaterThanOrEqual(9);
    const index = text.get("doctor/checks/index.ts")!;
    for (const check of checks) expect(index).toContain(`./${check.slice("doctor/checks/".length).replace(/\.ts$/, ".js")}`);
  });
});
