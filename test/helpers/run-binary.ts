import { spawn } from "node:child_process";

import { BIN, pathWithInstalledBin } from "./bin-on-path.js";

export { BIN };

export interface BinaryRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built binary as a child process. Asynchronous on purpose: the simulator it talks to
 * lives in the test's own process, which must keep serving while the child runs.
 */
export function runBinary(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stdin?: string,
  { runner = [] as string[], cwd = undefined as string | undefined, node = process.execPath, bin = BIN } = {},
): Promise<BinaryRun> {
  return new Promise((resolve, reject) => {
    // `runner`: a command the binary runs under (`setpriv --reuid=…` to run as another user).
    // `node` and `bin`: another copy of them (one another user can read).
    const [command, ...rest] = [...runner, node, bin, ...args];
    const child = spawn(command!, rest, { env: { PATH: pathWithInstalledBin(), ...env }, cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}
