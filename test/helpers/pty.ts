import { spawn, type IPty } from "@lydell/node-pty";
import { BIN, pathWithInstalledBin } from "./bin-on-path.js";
import { withoutEscapes } from "./escapes.js";

export const KEYS = { up: "\x1b[A", down: "\x1b[B", enter: "\r", ctrlC: "\x03" };

export interface PtyRun {
  /** Everything the terminal has shown so far, without escape codes. */
  screen(): string;
  /** The same with escape codes (colours, cursor moves). */
  raw(): string;
  /** Waits until the screen shows the text, matches the pattern, or satisfies the test. */
  waitFor(text: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<void>;
  write(data: string): void;
  exited: Promise<{ exitCode: number; signal?: number }>;
  kill(signal?: string): void;
}

/** The built binary in a real pseudo-terminal, as a person would run it. */
export function runInPty(args: string[], options: { cols?: number; rows?: number; env?: NodeJS.ProcessEnv } = {}): PtyRun {
  const pty: IPty = spawn(process.execPath, [BIN, ...args], {
    name: "xterm-256color",
    cols: options.cols ?? 100,
    rows: options.rows ?? 40,
    env: { PATH: pathWithInstalledBin(), TERM: "xterm-256color", HOME: process.env.HOME ?? "/tmp", ...options.env } as Record<
      string,
      string
    >,
  });
  let raw = "";
  pty.onData((data) => (raw += data));
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
  const screen = () => withoutEscapes(raw);
  return {
    screen,
    raw: () => raw,
    write: (data) => pty.write(data),
    kill: (signal) => pty.kill(signal),
    exited,
    async waitFor(text, timeoutMs = 15_000) {
      const started = Date.now();
      const seen = () =>
        typeof text === "string" ? screen().includes(text) : text instanceof RegExp ? text.test(screen()) : text(screen());
      while (!seen()) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`Timed out waiting for ${String(text)}; the screen shows:\n${screen().slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

/** The spinner steps a sitting finished (or failed, or ended as a note), as the screen shows them. */
export const finishedSteps = (screen: string) =>
  (screen.match(/[✔✖ℹ] (Checking|Reading|Listing|Sending|Creating|Updating|Saving|Postmark took|The test message|That is|SMTP )/g) ?? [])
    .length;

const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/**
 * The screen's lines as the terminal finally shows them: a spinner redraws its line in place (each
 * frame arrives after the last with the escape codes stripped), so only its last drawing stays.
 * How many frames a run draws depends on the machine's speed; what stays does not.
 */
export function finalLines(screen: string): string[] {
  return screen
    .replace(/\r/g, "")
    .split("\n")
    .map((line) => {
      if (!SPINNER_FRAME.test(line)) return line;
      const last = Math.max(...[...line].map((char, index) => (SPINNER_FRAME.test(char) || /[✔✖ℹ]/.test(char) ? index : -1)));
      return [...line].slice(last).join("");
    });
}
