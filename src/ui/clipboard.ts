import { spawn } from "node:child_process";

/**
 * Copying a value (a key for Customer.io's form) to the clipboard of the person's own machine, asked
 * for by name, never by default: the platform's clipboard tool in a desktop session, else the
 * terminal's OSC 52 sequence (over SSH, the clipboard that matters is the terminal's, not the host's).
 */

type Tool = [command: string, args: string[]];

/** The clipboard tools to try, in order, for this platform; none over SSH or without a display. */
export function clipboardTools(os: NodeJS.Platform, env: NodeJS.ProcessEnv, desktop: boolean): Tool[] {
  if (!desktop) return [];
  if (os === "darwin") return [["pbcopy", []]];
  if (os === "win32") return [["clip", []]];
  return [
    ...(env.WAYLAND_DISPLAY ? [["wl-copy", []] as Tool] : []),
    ...(env.DISPLAY ? [["xclip", ["-selection", "clipboard"]] as Tool, ["xsel", ["--clipboard", "--input"]] as Tool] : []),
  ];
}

/** How long a clipboard tool may take before the next way is tried. */
const TOOL_TIMEOUT_MS = 3_000;

/**
 * Copies `value`; answers how ("xclip", "OSC 52"), or undefined when nothing took it. `osc52` writes
 * the terminal's sequence when no tool took it, answering whether there was a terminal to take it.
 */
export async function copyToClipboard(
  value: string,
  tools: Tool[],
  env: NodeJS.ProcessEnv,
  osc52: (sequence: string) => boolean,
): Promise<string | undefined> {
  for (const [command, args] of tools) {
    if (await runTool(command, args, value, env)) return command;
  }
  return osc52(`\x1b]52;c;${Buffer.from(value, "utf8").toString("base64")}\x07`) ? "OSC 52" : undefined;
}

function runTool(command: string, args: string[], value: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "ignore", "ignore"], env, windowsHide: true });
    const timer = setTimeout(() => {
      child.kill();
      resolve(false);
    }, TOOL_TIMEOUT_MS);
    child.on("error", () => {
      clearTimeout(timer);
      resolve(false); // not installed: the next way
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(value);
  });
}
