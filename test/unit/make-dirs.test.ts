import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDirs } from "../../src/store/make-dirs.js";

/** `mkdir -p` one level at a time: every level made with the mode asked, a file in the way said as mkdir says it. */

describe("making folders", () => {
  it("makes every missing level, each with the mode asked (the umask aside)", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-dirs-"));
    makeDirs(join(root, "a", "b", "c"), 0o700);
    for (const level of ["a", "a/b", "a/b/c"]) expect(statSync(join(root, level)).mode & 0o777).toBe(0o700);
  });

  it("without a mode, makes what a plain mkdir makes (the umask decides)", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-dirs-"));
    mkdirSync(join(root, "plain"));
    makeDirs(join(root, "a", "b"));
    expect(statSync(join(root, "a", "b")).mode & 0o777).toBe(statSync(join(root, "plain")).mode & 0o777);
  });

  it("does nothing to a folder that exists", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-dirs-"));
    makeDirs(root, 0o700);
    expect(statSync(root).mode & 0o777).toBe(0o700);
  });

  it.each([
    ["the folder itself is a file", (file: string) => file, "EEXIST"],
    ["a folder on its way is a file", (file: string) => join(file, "config"), "ENOTDIR"],
  ])("%s: %s", (_case, target, code) => {
    const file = join(mkdtempSync(join(tmpdir(), "cio-dirs-")), "a-file");
    writeFileSync(file, "");
    expect(() => makeDirs(target(file), 0o700)).toThrow(
      expect.objectContaining({ code, message: `${code}: a file is where a folder should be, mkdir '${target(file)}'` }),
    );
  });

  it("under /proc, fails at once instead of spinning (Node's own recursive mkdir never returns there)", () => {
    expect(() => makeDirs("/proc/cio-postmark-test/deeper", 0o700)).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });
});
