import type { Command } from "commander";
import { exitCodeHelp } from "../errors.js";
import { wrapText } from "../ui/wrap.js";
import type { GlobalOptions } from "../runtime.js";

/**
 * What each command's registration needs: the action cli.ts builds for it (a runtime from the merged
 * options, then the command's module, loaded only when it runs) and the environment help it prints.
 */

/** Commander's action for a command: cli.ts builds it around the command's runner, loaded only when it runs. */
export type CommandHandler<O extends GlobalOptions> = (...received: [...args: unknown[], options: O, command: Command]) => Promise<void>;

export type CommandName = "setup" | "doctor" | "status" | "remove" | "apply" | "recipient";
export const ALL: CommandName[] = ["setup", "doctor", "status", "remove", "apply", "recipient"];
const POSTMARK: CommandName[] = ["setup", "doctor", "remove", "apply", "recipient"];

/**
 * Each variable, and the commands that read it: a command's help lists only its own. Those every
 * command shares (`ALL`) are listed whole in the top-level help only; each line fits 80 columns.
 */
const ENVIRONMENT: Array<[name: string, what: string, readBy: CommandName[]]> = [
  ["POSTMARK_ACCOUNT_TOKEN", "account token: lists servers, checks domains", POSTMARK],
  ["POSTMARK_SERVER_TOKEN", "server token: enough on its own for one server", POSTMARK],
  ["POSTMARK_SMTP_ACCESS_KEY", "SMTP token Access Key (or --smtp-access-key)", ["setup"]],
  ["POSTMARK_SMTP_SECRET_KEY", "SMTP token Secret Key (or --smtp-secret-stdin)", ["setup", "doctor"]],
  ["POSTMARK_API_URL", "default https://api.postmarkapp.com", POSTMARK],
  ["CUSTOMERIO_APP_API_KEY", "optional, never saved: region, --end-to-end", ["setup", "doctor", "recipient"]],
  ["CUSTOMERIO_API_URL_US", "default https://api.customer.io", ["setup", "doctor", "recipient"]],
  ["CUSTOMERIO_API_URL_EU", "default https://api-eu.customer.io", ["setup", "doctor", "recipient"]],
  ["CIO_POSTMARK_CONFIG_DIR", "config folder (or --config-dir)", ALL],
  ["HTTPS_PROXY", "proxy for Postmark and Customer.io (any case)", POSTMARK],
  ["NO_PROXY", "hosts that go direct, as curl reads it", POSTMARK],
  ["ALL_PROXY", "an http proxy for SMTP checks (or --smtp-proxy)", ["setup", "doctor", "apply"]],
  ["NODE_EXTRA_CA_CERTS", "extra CA certificates (a TLS-inspecting proxy)", POSTMARK],
  ["NODE_USE_SYSTEM_CA", "1: trust the system's CAs (Node 22.19+, 24.6+)", POSTMARK],
  ["CI", "when truthy, never prompt", ALL],
  ["NO_COLOR", "disable colour", ALL],
  ["DEBUG", "print stack traces on errors", ALL],
];

/** Read by every command, named once in the top-level help; a command's help points there. */
const SHARED = new Set([
  "CI",
  "NO_COLOR",
  "DEBUG",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "NODE_EXTRA_CA_CERTS",
  "NODE_USE_SYSTEM_CA",
  "CUSTOMERIO_API_URL_US",
  "CUSTOMERIO_API_URL_EU",
]);

const GLOBAL_OPTIONS = "Global options: -V --json --no-input --no-color --config-dir --sandbox --trace";

/** What a command's help adds after its options: examples (the first is the common case), and options most runs never need. */
export interface HelpText {
  examples: string[];
  /** Long option names listed only by `--help --all`. */
  rare?: string[];
  /** A paragraph `--help --all` adds after the examples. */
  more?: string;
}

/**
 * A command's help in one of two sizes. `--help` fits the common case in one 24-row screen: the
 * options most runs use, one example, and the names of the variables it reads. `--help --all` lists
 * every option with the global ones, every example, each variable with what it does, and the exit codes.
 */
export function describeHelp(command: Command, name: CommandName | "", text: HelpText, all: boolean): Command {
  // Hidden only as the help is drawn: a mistyped flag is still matched against every option ("Did you mean --sandbox?").
  const hideRare = () => {
    for (const option of command.options) if (option.long && text.rare?.includes(option.long)) option.hideHelp();
  };
  if (!all) command.on("beforeHelp", hideRare);
  const commands = name === "" ? ALL : [name];
  const examples = (all ? text.examples : text.examples.slice(0, 1)).map((example) => `  $ ${example}`).join("\n");
  const tail = all
    ? `${text.more ? `\n${text.more}\n` : ""}${environmentHelp(commands)}`
    : `\n${GLOBAL_OPTIONS}\n${variableNames(commands)}\n` +
      `Every option, variable and exit code: cio-postmark${name === "" ? "" : ` ${name}`} --help --all`;
  return command.addHelpText("after", `\n${all ? "Examples" : "Example"}:\n${examples}\n${tail}`);
}

function readBy(commands: CommandName[]) {
  const everything = commands.length === ALL.length;
  return ENVIRONMENT.filter(
    ([name, , readers]) => readers.some((command) => commands.includes(command)) && (everything || !SHARED.has(name)),
  );
}

/** The variables a command reads, by name only, wrapped at 80 columns; those every command shares are left to `--help --all`. */
function variableNames(commands: CommandName[]): string {
  const names = readBy(commands).flatMap(([name]) => (SHARED.has(name) ? [] : [name]));
  return wrapText(`Reads ${names.join(", ")}.`, 80);
}

function environmentHelp(commands: CommandName[]): string {
  const lines = readBy(commands).map(([name, what]) => `  ${name.padEnd(25)} ${what}`);
  const more = commands.length === ALL.length ? "" : "\n  (and CI, NO_COLOR, DEBUG and more: the tool's own --help --all lists them)";
  return `
Environment variables:
${lines.join("\n")}${more}

${exitCodeHelp()}`;
}
