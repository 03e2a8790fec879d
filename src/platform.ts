import { ExitCode } from "./errors.js";

/**
 * What differs between the systems users run on. Injected like the streams are, so Windows and
 * macOS behaviour is unit-tested on Linux.
 */

export interface StopSignal {
  signal: NodeJS.Signals;
  /** 128 + the signal's number, as shells report a process stopped by it. */
  exitCode: number;
}

export interface Platform {
  os: NodeJS.Platform;
  /** Unix permission bits exist (not on Windows, where the per-user profile folder protects files). */
  fileModes: boolean;
  /** The signals that stop a run here; a run never waits for one the system cannot send. */
  stopSignals: StopSignal[];
  /** The terminal can show symbols such as ✔ (the Linux console and old Windows consoles cannot). */
  unicode: boolean;
  /** A browser can be opened for the person: a desktop session here, not SSH and not headless. */
  desktop: boolean;
}

const UNIX_SIGNALS: StopSignal[] = [
  { signal: "SIGINT", exitCode: ExitCode.interrupted },
  { signal: "SIGTERM", exitCode: ExitCode.stopped },
  { signal: "SIGHUP", exitCode: ExitCode.hungUp },
];
// Windows delivers only Ctrl-C and Ctrl-Break to a console program.
const WINDOWS_SIGNALS: StopSignal[] = [
  { signal: "SIGINT", exitCode: ExitCode.interrupted },
  { signal: "SIGBREAK", exitCode: ExitCode.broken },
];

export function platformOf(os: NodeJS.Platform, env: NodeJS.ProcessEnv): Platform {
  const windows = os === "win32";
  return {
    os,
    fileModes: !windows,
    stopSignals: windows ? WINDOWS_SIGNALS : UNIX_SIGNALS,
    unicode: unicodeSupported(windows, env),
    desktop: desktopSession(os, env),
  };
}

function desktopSession(os: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return false;
  if (os === "win32" || os === "darwin") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export function currentPlatform(env: NodeJS.ProcessEnv = process.env): Platform {
  return platformOf(process.platform, env);
}

/** The rule of sindresorhus/is-unicode-supported (which ora and @inquirer/prompts follow), with the platform injected. */
function unicodeSupported(windows: boolean, env: NodeJS.ProcessEnv): boolean {
  if (!windows) return env.TERM !== "linux";
  return (
    Boolean(env.WT_SESSION) ||
    Boolean(env.TERMINUS_SUBLIME) ||
    env.ConEmuTask === "{cmd::Cmder}" ||
    env.TERM_PROGRAM === "Terminus-Sublime" ||
    env.TERM_PROGRAM === "vscode" ||
    ["xterm-256color", "alacritty", "rxvt-unicode", "rxvt-unicode-256color"].includes(env.TERM ?? "") ||
    env.TERMINAL_EMULATOR === "JetBrains-JediTerm"
  );
}

/** The marks the tool prints itself, with ASCII-safe stand-ins where the terminal lacks Unicode. */
export function symbolsFor(unicode: boolean) {
  return unicode
    ? { pass: "✔", fail: "✖", warn: "!", skip: "-", info: "ℹ", bullet: "•", arrow: "→" }
    : { pass: "√", fail: "×", warn: "!", skip: "-", info: "i", bullet: "*", arrow: "->" };
}
export type Symbols = ReturnType<typeof symbolsFor>;

/**
 * Commands that move or delete a file, as the person's shell takes them: `move` and `del` run in cmd
 * and PowerShell alike, where `mv` and `rm` are not cmd commands. `fileModes` is false on Windows alone.
 */
export const moveCommand = (from: string, to: string, fileModes: boolean) => `${fileModes ? "mv" : "move"} "${from}" "${to}"`;
export const deleteCommand = (path: string, fileModes: boolean) => `${fileModes ? "rm" : "del"} "${path}"`;
