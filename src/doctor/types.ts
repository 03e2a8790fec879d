import type { MessageStream, Server, Domain, Webhook, WebhookDeliveries, WebhookVerification } from "../core/model.js";
import type { CheckResult, Verdict } from "./judge.js";
import type { SavedConnection } from "../store/config-store.js";
import type { SmtpCredentials } from "../smtp/verify.js";
import type { SendTestResult } from "../connections/send-test.js";
import type { Symbols } from "../platform.js";
import type { Workspace } from "../customerio/api.js";
import type { EndToEndResult } from "../connections/end-to-end.js";
import type { SourcedToken } from "../connections/clients.js";

/** Where a checked connection came from, when it is a connections file's (doctor --file). */
export interface FileOrigin {
  file: string;
  place: string;
  serverToken: SourcedToken;
  /** The variables the file names for the SMTP key pair that this run lacks; null when the file names no smtp. */
  smtpMissing: string[] | null;
}

/** A connection doctor checks: saved by setup, or named by a connections file. */
export type CheckedConnection = SavedConnection & { origin?: FileOrigin };

export type { CheckResult, CheckStatus } from "./judge.js";

/**
 * What the checks look at, each fetched at most once per run however many checks use it.
 * A fact that cannot be had rejects with the CliError saying why.
 */
export interface Facts {
  connection: CheckedConnection;
  configFile: string;
  configMode(): number | undefined;
  configDirMode(): number | undefined;
  /** False on Windows: no permission bits to judge. */
  fileModes: boolean;
  server(): Promise<Server>;
  stream(): Promise<MessageStream>;
  webhooks(): Promise<Webhook[]>;
  /**
   * Postmark's deliveries to the connection's Customer.io webhook in the last 24 hours: "no-webhook"
   * when the stream has none, undefined where the API has no statistics route (the older API).
   */
  deliveries(): Promise<WebhookDeliveries | undefined | "no-webhook">;
  /** The one judgement of what could be read (judge.ts): the checks it decides only show its findings. */
  verdict(): Promise<Verdict>;
  /** With --verify-webhook: Postmark's calls to the URL now, one per trigger (else undefined, as for an API without the route). */
  verification(): Promise<WebhookVerification | undefined | "no-webhook"> | undefined;
  /** Undefined when the connection has no SMTP token or its Secret Key is nowhere to be found. */
  smtpCredentials(): SmtpCredentials | undefined;
  verifySmtp(credentials: SmtpCredentials): Promise<void>;
  /** Undefined without POSTMARK_ACCOUNT_TOKEN. */
  domains(): Promise<Domain[]> | undefined;
  /** Undefined without --send-test; "no-smtp" for a connection set up with --skip-smtp. */
  sendTest(): Promise<SendTestResult | "no-smtp"> | undefined;
  /** The Customer.io workspace of CUSTOMERIO_APP_API_KEY (undefined without the key). */
  workspace(): Promise<Workspace> | undefined;
  /** With --end-to-end: the run's one email through Customer.io, followed both ways. */
  endToEnd(): Promise<EndToEndResult> | undefined;
  symbols: Symbols;
  /** A command for the person to run, as this run was started (see Runtime.command). */
  command(...args: string[]): string;
}

export interface DoctorCheck {
  /** Stable: scripts match on it. */
  id: string;
  run(facts: Facts): Promise<CheckResult>;
}
