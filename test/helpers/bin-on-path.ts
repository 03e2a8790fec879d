import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BIN = new URL("../../bin/cio-postmark.js", import.meta.url).pathname;

let folder: string | undefined;

/**
 * A folder holding `cio-postmark` as `npm install -g` puts it there (a symlink to the bin), so a
 * binary run prints its commands as `cio-postmark …`, the way an installed tool does.
 */
export function installedBinFolder(): string {
  if (!folder) {
    folder = mkdtempSync(join(tmpdir(), "cio-installed-bin-"));
    symlinkSync(BIN, join(folder, "cio-postmark"));
  }
  return folder;
}

/** PATH with the installed `cio-postmark` first. */
export const pathWithInstalledBin = () => `${installedBinFolder()}:${process.env.PATH ?? ""}`;
