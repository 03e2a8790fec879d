import { smtpEnabled } from "../../core/connection-plan.js";
import { CliError } from "../../errors.js";
import { serverLabel, serverSettingsLink } from "../../postmark/links.js";
import type { Server } from "../../core/model.js";
import { shown } from "../../ui/terminal-safe.js";

/** Whether Customer.io can send through the server: its SMTP switch, said with where to turn it on. */

/** Why a server with SMTP disabled cannot be used, and where to turn SMTP on. */
export function smtpDisabled(server: Server): { message: string; link: string } {
  return {
    message: `SMTP is not enabled on server ${serverLabel(server)}, so Customer.io could not send through it.`,
    link: shown(serverSettingsLink(server)),
  };
}

export function assertSmtpEnabled(server: Server): void {
  if (!smtpEnabled(server)) throw smtpDisabledError(server);
}

export function smtpDisabledError(server: Server): CliError {
  const { message, link } = smtpDisabled(server);
  return new CliError("smtp_disabled", message, {
    hint: `Turn it on in Postmark: ${link} (Settings > SMTP), then run setup again. Nothing was changed.`,
  });
}
