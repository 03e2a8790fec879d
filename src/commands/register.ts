import type { Command } from "commander";
import { exitCodeHelp } from "../errors.js";
import type { GlobalOptions } from "../runtime.js";

/**
 * What each command's registration needs: the action cli.ts builds for it (a runtime from the merged
 * options, then the command's module, loaded only when it runs) and the environment help it prints.
 */

/** Commander's action for a command: cli.ts builds it around the command's runner, loaded only when it runs. */
export type CommandHandler<O extends GlobalOptions> = (options: O, command: Command) => Promise<void>;

export type CommandName = "setup" | "doctor" | "status" | "remove" | "apply";
export const ALL: CommandName[] = ["setup", "doctor", "status", "remove", "apply"];
const POSTMARK: CommandName[] = ["setup", "doctor", "remove", "apply"];

/** Each variable, and the commands that read it: a command's help lists only its own. */
const ENVIRONMENT: Array<[name: string, what: string, readBy: CommandName[]]> = [
  ["POSTMARK_ACCOUNT_TOKEN", "Postmark account token (lists servers; lets doctor check sending domains)", POSTMARK],
  ["POSTMARK_SERVER_TOKEN", "Postmark server token (enough on its own: skips server selection)", POSTMARK],
  ["POSTMARK_SMTP_ACCESS_KEY", "SMTP token Access Key (or --smtp-access-key)", ["setup"]],
  ["POSTMARK_SMTP_SECRET_KEY", "SMTP token Secret Key (or --smtp-secret-stdin; doctor: when not stored)", ["setup", "doctor"]],
  ["POSTMARK_API_URL", "Postmark API base URL (default https://api.postmarkapp.com)", POSTMARK],
  ["CUSTOMERIO_APP_API_KEY", "Customer.io App API key, optional, never saved (finds the region; doctor --end-to-end)", ["setup", "doctor"]],
  ["CUSTOMERIO_API_URL_US", "Customer.io App API base URL, US (default https://api.customer.io)", ["setup", "doctor"]],
  ["CUSTOMERIO_API_URL_EU", "Customer.io App API base URL, EU (default https://api-eu.customer.io)", ["setup", "doctor"]],
  ["CIO_POSTMARK_CONFIG_DIR", "config folder (or --config-dir)", ALL],
  ["CI", "when truthy, never prompt", ALL],
  ["NO_COLOR", "disable colour", ALL],
  ["NODE_EXTRA_CA_CERTS", "extra CA certificates to trust (a TLS-inspecting proxy)", POSTMARK],
  ["DEBUG", "print stack traces on errors", ALL],
];

export function environmentHelp(commands: CommandName[]): string {
  const lines = ENVIRONMENT.filter(([, , readBy]) => readBy.some((name) => commands.includes(name))).map(
    ([name, what]) => `  ${name.padEnd(26)} ${what}`,
  );
  return `
Environment variables:
${lines.join("\n")}

${exitCodeHelp()}`;
}
