import { chmodSync, copyFileSync, existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError } from "../errors.js";
import { moveCommand } from "../platform.js";
import { makeDirs } from "./make-dirs.js";

/**
 * 0.1 kept its config in conf's default folder `cio-postmark-nodejs`; from 0.2 it is `cio-postmark`.
 * The old folder is moved once, by rename: atomic, so a kill leaves it either all old or all new,
 * and file modes go with it.
 */
export function moveLegacyConfigDir(legacyDir: string, dir: string, fileModes: boolean): void {
  removeLeftoverCopies(dir);
  if (!existsSync(join(legacyDir, "config.json"))) return;
  if (existsSync(join(dir, "config.json"))) return; // already moved, or the new one was made since
  try {
    move(legacyDir, dir);
    // 0.1 may have left them 0755 and 0644: the tokens inside are as secret now as ever.
    if (fileModes) {
      chmodSync(dir, 0o700);
      chmodSync(join(dir, "config.json"), 0o600);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      "config_move_failed",
      `Could not move the saved config from ${legacyDir} to ${dir}${code ? ` (${code})` : ""}; nothing was lost.`,
      {
        hint: `Move the folder by hand (${moveCommand(legacyDir, dir, fileModes)}), or point --config-dir at it.`,
        cause: error,
      },
    );
  }
}

/** A copy an interrupted cross-file-system move left behind (it holds secrets): gone at the next start. */
function removeLeftoverCopies(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (/^config\.json\.\d+\.moving$/.test(name)) rmSync(join(dir, name), { force: true });
}

function move(legacyDir: string, dir: string): void {
  makeDirs(dirname(dir));
  try {
    if (existsSync(dir)) renameSync(join(legacyDir, "config.json"), join(dir, "config.json"));
    else renameSync(legacyDir, dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    // Another file system: copy under a temporary name, rename into place, and only then drop the old one.
    makeDirs(dir, 0o700);
    const temporary = join(dir, `config.json.${process.pid}.moving`);
    copyFileSync(join(legacyDir, "config.json"), temporary);
    renameSync(temporary, join(dir, "config.json"));
    rmSync(join(legacyDir, "config.json"));
  }
}
