import { dirname } from "node:path";
import type { DoctorCheck } from "../types.js";
import { fail, pass, repairable, skip } from "../judge.js";
import { octal, setupCommand } from "../verdicts.js";

export const configFileCheck: DoctorCheck = {
  id: "config-file",
  async run(facts) {
    const origin = facts.connection.origin;
    if (origin) return skip(`Skipped: the connection comes from ${origin.file}; doctor --file reads no saved config.`);
    const mode = facts.configMode();
    if (mode === undefined) return fail(`The config file ${facts.configFile} is missing.`, setupCommand(facts));
    // Windows has no permission bits: the file sits in the per-user profile folder, which protects it.
    if (!facts.fileModes) return pass(`Config file readable, in your user profile folder (${facts.configFile}).`);
    if (mode !== 0o600) {
      return repairable(
        `The config file ${facts.configFile} has mode ${octal(mode)}: others can read your tokens.`,
        `chmod 600 "${facts.configFile}", or let doctor do it: ${facts.command("doctor", "--fix")}`,
      );
    }
    const dirMode = facts.configDirMode();
    const folder = dirname(facts.configFile);
    if (dirMode !== undefined && (dirMode & 0o077) !== 0) {
      return repairable(
        `The config folder ${folder} has mode ${octal(dirMode)}: others can list and replace its files.`,
        `chmod 700 "${folder}", or let doctor do it: ${facts.command("doctor", "--fix")}`,
      );
    }
    return pass(`Config file readable, mode 0600 in a 0700 folder (${facts.configFile}).`);
  },
};
