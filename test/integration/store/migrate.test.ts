import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { moveLegacyConfigDir } from "../../../src/store/migrate.js";

/** The one-time move of 0.1's config folder, in process: each case of what may already be there. */

const CONFIG = '{"schemaVersion":1,"connections":{}}';

function legacyFolder(root: string): string {
  const legacy = join(root, "cio-postmark-nodejs");
  mkdirSync(legacy, { recursive: true, mode: 0o700 });
  writeFileSync(join(legacy, "config.json"), CONFIG, { mode: 0o600 });
  return legacy;
}

describe("moving 0.1's config folder", () => {
  it("tightens a folder 0.1 left 0755 with its config.json 0644, as it moves them", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const legacy = legacyFolder(root);
    chmodSync(legacy, 0o755);
    chmodSync(join(legacy, "config.json"), 0o644);
    const dir = join(root, "cio-postmark");
    moveLegacyConfigDir(legacy, dir, true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
  });

  it("removes a copy an interrupted move left behind, holding secrets, at the next start", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const dir = join(root, "cio-postmark");
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, "config.json"), CONFIG, { mode: 0o600 });
    writeFileSync(join(dir, "config.json.4242.moving"), CONFIG, { mode: 0o600 });
    writeFileSync(join(dir, "notes.moving"), "mine");
    moveLegacyConfigDir(join(root, "cio-postmark-nodejs"), dir, true);
    expect(readdirSync(dir).sort()).toEqual(["config.json", "notes.moving"]);
  });

  it("renames the whole folder when the new one does not exist, parents made as needed", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const legacy = legacyFolder(root);
    const dir = join(root, "deeper", "cio-postmark");
    moveLegacyConfigDir(legacy, dir, true);
    expect(existsSync(legacy)).toBe(false);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(CONFIG);
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
  });

  it("moves only the file into a new folder that exists but holds no config", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const legacy = legacyFolder(root);
    writeFileSync(join(legacy, "other.txt"), "kept");
    const dir = join(root, "cio-postmark");
    mkdirSync(dir);
    moveLegacyConfigDir(legacy, dir, true);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(CONFIG);
    expect(existsSync(join(legacy, "config.json"))).toBe(false);
    expect(readFileSync(join(legacy, "other.txt"), "utf8")).toBe("kept");
  });

  it("touches nothing when there is no old config, or when the new folder already has one", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const dir = join(root, "cio-postmark");
    moveLegacyConfigDir(join(root, "cio-postmark-nodejs"), dir, true);
    mkdirSync(join(root, "cio-postmark-nodejs"));
    moveLegacyConfigDir(join(root, "cio-postmark-nodejs"), dir, true); // the old folder, but no config in it
    expect(existsSync(dir)).toBe(false);

    const legacy = legacyFolder(root);
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), "{}");
    moveLegacyConfigDir(legacy, dir, true);
    expect(readFileSync(join(legacy, "config.json"), "utf8")).toBe(CONFIG);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe("{}");
  });

  it("says what failed and that nothing was lost, the old folder left whole", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const legacy = legacyFolder(root);
    writeFileSync(join(root, "a-file"), "");
    const dir = join(root, "a-file", "cio-postmark");
    expect(() => moveLegacyConfigDir(legacy, dir, true)).toThrow(
      expect.objectContaining({
        code: "config_move_failed",
        message: `Could not move the saved config from ${legacy} to ${dir} (EEXIST); nothing was lost.`,
        hint: `Move the folder by hand (mv "${legacy}" "${dir}"), or point --config-dir at it.`,
      }),
    );
    expect(readFileSync(join(legacy, "config.json"), "utf8")).toBe(CONFIG);
  });

  it("a rename that fails for another reason than crossing file systems is not retried as a copy", () => {
    const root = mkdtempSync(join(tmpdir(), "cio-move-"));
    const legacy = legacyFolder(root);
    const inside = join(legacy, "cio-postmark"); // a folder cannot be renamed into itself: EINVAL
    expect(() => moveLegacyConfigDir(legacy, inside, true)).toThrow(
      expect.objectContaining({ code: "config_move_failed", message: expect.stringContaining("(EINVAL)") }),
    );
    expect(readFileSync(join(legacy, "config.json"), "utf8")).toBe(CONFIG);
    expect(existsSync(join(inside, "config.json"))).toBe(false);
  });

  // /dev/shm is another file system on Linux: rename fails with EXDEV there, so the file is copied.
  const otherFileSystem = existsSync("/dev/shm") && statSync("/dev/shm").dev !== statSync(tmpdir()).dev;
  it.skipIf(!otherFileSystem).each([false, true])(
    "across file systems (new folder there already: %s), copies under a temporary name, then drops the old file",
    (exists) => {
      const root = mkdtempSync(join(tmpdir(), "cio-move-"));
      const legacy = legacyFolder(root);
      const elsewhere = mkdtempSync("/dev/shm/cio-move-");
      try {
        const dir = join(elsewhere, "cio-postmark");
        if (exists) mkdirSync(dir);
        moveLegacyConfigDir(legacy, dir, true);
        expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(CONFIG);
        expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
        expect(readdirSync(dir)).toEqual(["config.json"]);
        expect(existsSync(join(legacy, "config.json"))).toBe(false);
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    },
  );
});
