import { dirname } from "node:path";
import { CliError } from "../errors.js";
import { REGION_WEBHOOK_URLS } from "../core/regions.js";
import { BROADCAST_TRIGGERS_NOTE, triggerNames } from "../core/webhook-plan.js";
import { failedTriggerWords, judgeDeliveries } from "../core/webhook-health.js";
import { plural } from "../core/words.js";
import { shown } from "../ui/terminal-safe.js";
import { describeSendTest } from "../connections/send-test.js";
import { serverSettingsLink, streamSettingsLink } from "../postmark/links.js";
import type { CheckResult, DoctorCheck, Facts } from "./types.js";
import type { EndToEndResult } from "../connections/end-to-end.js";

/** The checks, in the order they are printed. Each is small and judges one thing. */

const octal = (mode: number) => mode.toString(8).padStart(4, "0");
const pass = (message: string): CheckResult => ({ status: "pass", message });
const skip = (message: string): CheckResult => ({ status: "skip", message });
const fail = (message: string, fix: string): CheckResult => ({ status: "fail", message, fix });
const warn = (message: string, fix: string): CheckResult => ({ status: "warn", message, fix });

/** The connection as the printed commands name it. */
const target = (facts: Facts) => ["--server", String(facts.connection.serverId), "--stream", shown(facts.connection.streamId)];
const setupCommand = (facts: Facts) => facts.command("setup", ...target(facts));
const verifyCommand = (facts: Facts) => facts.command("doctor", "--verify-webhook", ...target(facts));
const fixCommand = (facts: Facts, yes = false) => facts.command("doctor", "--fix", ...(yes ? ["--yes"] : []), ...target(facts));

/**
 * A check that needs a fact which could not be had fails, saying what could not be read: "skip"
 * is only for checks that do not apply, never for "could not look".
 */
async function need<T>(fact: Promise<T>, what: string, verdict: typeof fail | typeof warn = fail): Promise<T | CheckResult> {
  try {
    return await fact;
  } catch (error) {
    return couldNotRead(error, what, verdict);
  }
}

function couldNotRead(error: unknown, what: string, verdict: typeof fail | typeof warn = fail): CheckResult {
  const reason = error instanceof CliError ? error.message : String(error);
  return verdict(
    `Could not read ${what}: ${reason}`,
    error instanceof CliError && error.hint ? error.hint : "Run doctor again; if it persists, run with --trace FILE and report it.",
  );
}
const isResult = (value: unknown): value is CheckResult =>
  typeof value === "object" && value !== null && "status" in value && "message" in value;

export const configFileCheck: DoctorCheck = {
  id: "config-file",
  async run(facts) {
    const mode = facts.configMode();
    if (mode === undefined) return fail(`The config file ${facts.configFile} is missing.`, setupCommand(facts));
    // Windows has no permission bits: the file sits in the per-user profile folder, which protects it.
    if (!facts.fileModes) return pass(`Config file readable, in your user profile folder (${facts.configFile}).`);
    if (mode !== 0o600) {
      return fail(
        `The config file ${facts.configFile} has mode ${octal(mode)}: others can read your tokens.`,
        `chmod 600 "${facts.configFile}" (or ${facts.command("doctor", "--fix")})`,
      );
    }
    const dirMode = facts.configDirMode();
    const folder = dirname(facts.configFile);
    if (dirMode !== undefined && (dirMode & 0o077) !== 0) {
      return fail(
        `The config folder ${folder} has mode ${octal(dirMode)}: others can list and replace its files.`,
        `chmod 700 "${folder}" (or ${facts.command("doctor", "--fix")})`,
      );
    }
    return pass(`Config file readable, mode 0600 in a 0700 folder (${facts.configFile}).`);
  },
};

export const serverTokenCheck: DoctorCheck = {
  id: "server-token",
  async run(facts) {
    try {
      await facts.server();
      return pass("Postmark accepted the server token.");
    } catch (error) {
      if (error instanceof CliError && error.code === "postmark_unauthorized") {
        return fail(
          "Postmark rejected the server token (revoked or wrong).",
          `Copy a server token from Postmark > Servers > ${shown(facts.connection.serverName)} > API Tokens, then: POSTMARK_SERVER_TOKEN=… ${setupCommand(facts)}`,
        );
      }
      const message = error instanceof Error ? error.message : String(error);
      return fail(
        `Could not check the server token: ${message}`,
        error instanceof CliError && error.hint ? error.hint : "Run doctor again.",
      );
    }
  },
};

export const serverSmtpCheck: DoctorCheck = {
  id: "server-smtp",
  async run(facts) {
    const server = await need(facts.server(), "the server");
    if (isResult(server)) return server;
    if (!server.SmtpApiActivated) {
      return fail(
        `SMTP is disabled on server ${shown(server.Name)}: Customer.io cannot send through it.`,
        `Turn it on in Postmark: ${shown(serverSettingsLink(server))} (Settings > SMTP).`,
      );
    }
    return pass(`Server ${shown(server.Name)} exists and has SMTP enabled.`);
  },
};

export const streamCheck: DoctorCheck = {
  id: "stream",
  async run(facts) {
    const streamId = shown(facts.connection.streamId);
    try {
      const stream = await facts.stream();
      if (stream.ArchivedAt)
        return fail(
          `Stream "${streamId}" is archived: Postmark does not send from it.`,
          "Unarchive it in Postmark (Message Streams), or set up another stream.",
        );
      if (stream.MessageStreamType === "Inbound")
        return fail(`Stream "${streamId}" is an inbound stream.`, "Set up a transactional or broadcast stream instead.");
      return pass(`Stream "${streamId}" (${stream.MessageStreamType}) exists and can send.`);
    } catch (error) {
      if (error instanceof CliError && error.code === "postmark_rejected") {
        return fail(
          `Stream "${streamId}" no longer exists on server ${shown(facts.connection.serverName)}.`,
          `Set up another stream: ${facts.command("setup", "--server", String(facts.connection.serverId))}`,
        );
      }
      return fail(
        `Could not read stream "${streamId}": ${error instanceof CliError ? error.message : String(error)}`,
        error instanceof CliError && error.hint ? error.hint : "Run doctor again.",
      );
    }
  },
};

export const webhookExistsCheck: DoctorCheck = {
  id: "webhook-exists",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    const url = REGION_WEBHOOK_URLS[facts.connection.region];
    if (plan.target.kind === "create") {
      return fail(
        `No Customer.io webhook (${url}) on stream "${shown(facts.connection.streamId)}": bounces and deliveries do not reach Customer.io.`,
        fixCommand(facts),
      );
    }
    return pass(`Customer.io webhook ${plan.target.webhook.ID} ${facts.symbols.arrow} ${url}.`);
  },
};

export const webhookTriggersCheck: DoctorCheck = {
  id: "webhook-triggers",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    if (plan.target.kind === "create") return skip("Skipped: there is no Customer.io webhook to check.");
    if (plan.target.kind === "update") {
      return fail(`Webhook ${plan.target.webhook.ID} has the wrong settings: ${plan.target.drift.join("; ")}.`, fixCommand(facts));
    }
    const names = triggerNames(facts.connection.streamType);
    const triggers = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    return pass(
      facts.connection.streamType === "Broadcasts"
        ? `Triggers are exactly ${triggers} (Open and Click off). ${BROADCAST_TRIGGERS_NOTE}`
        : `Triggers are exactly ${triggers} (Open and Click off).`,
    );
  },
};

export const webhookDuplicatesCheck: DoctorCheck = {
  id: "webhook-duplicates",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    if (plan.deletions.length > 0) {
      const list = plan.deletions
        .map(({ webhook, reason }) => `${webhook.ID} (${reason === "duplicate" ? "duplicate" : "other region"})`)
        .join(", ");
      return fail(
        `${plan.deletions.length === 1 ? "An extra Customer.io webhook" : "Extra Customer.io webhooks"} on the stream: ${list}. Customer.io counts each event twice.`,
        fixCommand(facts, true),
      );
    }
    return pass("No duplicate or other-region Customer.io webhook.");
  },
};

/** Where events stop reaching Customer.io, the usual causes, and how to make Postmark try the URL now. */
const deliveryFix = (facts: Facts) =>
  `Check that the Customer.io workspace is in region ${facts.connection.region.toUpperCase()} (its webhook goes to ${REGION_WEBHOOK_URLS[facts.connection.region]}) and that its Postmark integration is still on; then have Postmark call the URL now: ${verifyCommand(facts)}`;

export const webhookDeliveryCheck: DoctorCheck = {
  id: "webhook-delivery",
  async run(facts) {
    // Both at once: the statistics are read by the saved ID alongside the webhook list.
    const [plan, deliveries] = await Promise.all([
      need(facts.plan(), "the stream's webhooks"),
      need(facts.deliveries(), "the webhook's delivery statistics"),
    ]);
    if (isResult(plan)) return plan;
    if (isResult(deliveries)) return deliveries;
    if (deliveries === "no-webhook" || plan.target.kind === "create") return skip("Skipped: there is no Customer.io webhook to check.");
    if (deliveries === undefined) return skip("Skipped: this Postmark account's API has no webhook statistics (the older API).");
    const verdict = judgeDeliveries(deliveries, plan.target.webhook.Status ?? null);
    if (verdict.status === "pass") return pass(verdict.message);
    return verdict.status === "fail" ? fail(verdict.message, deliveryFix(facts)) : warn(verdict.message, deliveryFix(facts));
  },
};

export const webhookVerifyCheck: DoctorCheck = {
  id: "webhook-verify",
  async run(facts) {
    const request = facts.verification();
    if (!request) return skip("Skipped: run with --verify-webhook to have Postmark call Customer.io's URL now, once per trigger.");
    const checks = await need(request, "Postmark's check of the webhook");
    if (isResult(checks)) return checks;
    if (checks === "no-webhook") return skip("Skipped: there is no Customer.io webhook to check.");
    if (checks === undefined) return skip("Skipped: this Postmark account's API cannot verify webhooks (the older API).");
    const failed = failedTriggerWords(checks, shown);
    if (failed) return fail(`Customer.io's URL failed Postmark's call for ${failed}.`, deliveryFix(facts));
    return pass(`Postmark called Customer.io's URL for ${plural(checks.length, "trigger")}: each answered.`);
  },
};

export const smtpAuthCheck: DoctorCheck = {
  id: "smtp-auth",
  async run(facts) {
    if (!facts.connection.smtp) return skip("Skipped: this connection was set up with --skip-smtp.");
    const credentials = facts.smtpCredentials();
    if (!credentials) return skip("Skipped: the Secret Key was not stored (--no-store-secrets); set POSTMARK_SMTP_SECRET_KEY to check it.");
    try {
      await facts.verifySmtp(credentials);
      return pass(
        `SMTP ${credentials.host}:${credentials.port}: STARTTLS and the key pair (Access Key ${credentials.accessKey}) accepted.`,
      );
    } catch (error) {
      const cliError = error instanceof CliError ? error : undefined;
      if (cliError?.code !== "smtp_auth_rejected") return fail(cliError?.message ?? String(error), cliError?.hint ?? "Run doctor again.");
      const server = await facts.server().catch(() => undefined);
      const where = server ? streamSettingsLink(server, facts.connection.streamId) : "the stream's Settings tab in Postmark";
      return fail(cliError.message, `Generate a new SMTP token at ${shown(where)}, then: ${setupCommand(facts)}`);
    }
  },
};

export const smtpSendCheck: DoctorCheck = {
  id: "smtp-send",
  async run(facts) {
    const request = facts.sendTest();
    if (!request) return skip("Skipped: run with --send-test --from ADDRESS to prove which stream the SMTP token sends through.");
    const outcome = await need(request, "where the test message went");
    if (isResult(outcome)) return outcome;
    if (outcome === "no-smtp") return skip("Skipped: this connection has no SMTP token to send with.");
    return pass(`${describeSendTest(outcome)}.`);
  },
};

export const unsubscribeCheck: DoctorCheck = {
  id: "unsubscribe-handling",
  async run(facts) {
    const stream = await need(facts.stream(), "the stream");
    if (isResult(stream)) return stream;
    if (stream.MessageStreamType !== "Broadcasts") return skip("Skipped: not a broadcast stream.");
    if (stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType === "Postmark") {
      return warn(
        "Postmark adds its own unsubscribe link and List-Unsubscribe headers to this broadcast stream; recipients may see two links. Unsubscribes reach Customer.io through the Subscription Change trigger.",
        "To use only Customer.io's link, ask Postmark support to switch the stream to custom unsubscribe handling.",
      );
    }
    return pass(
      `Broadcast stream uses ${stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType ?? "custom"} unsubscribe handling.`,
    );
  },
};

export const sendingDomainsCheck: DoctorCheck = {
  id: "sending-domains",
  async run(facts) {
    const request = facts.domains();
    if (!request) return skip("Skipped: set POSTMARK_ACCOUNT_TOKEN to check the sending domains' DKIM and Return-Path.");
    const domains = await need(request, "the sending domains", warn);
    if (isResult(domains)) return domains;
    // SPFVerified is deprecated by Postmark: never judged.
    const problems = domains.flatMap((domain) => [
      ...(domain.DKIMVerified ? [] : [`${shown(domain.Name)}: DKIM not verified`]),
      ...(domain.ReturnPathDomainVerified ? [] : [`${shown(domain.Name)}: Return-Path not verified`]),
    ]);
    if (problems.length)
      return warn(
        `${problems.join("; ")}.`,
        "Postmark > Sender Signatures > (domain) > DNS Settings: add the records shown, then click Verify.",
      );
    return pass(
      domains.length === 0
        ? "No sending domains on the account."
        : `${domains.length === 1 ? "The sending domain has" : `All ${domains.length} sending domains have`} DKIM and Return-Path verified.`,
    );
  },
};

export const customerioRegionCheck: DoctorCheck = {
  id: "customerio-region",
  async run(facts) {
    const request = facts.workspace();
    if (!request) return skip("Skipped: set CUSTOMERIO_APP_API_KEY to check the saved region against your Customer.io workspace.");
    const workspace = await need(request, "your Customer.io workspace");
    if (isResult(workspace)) return workspace;
    const saved = facts.connection.region;
    if (workspace.region === saved)
      return pass(`Customer.io workspace ${shown(workspace.name)} is in region ${saved.toUpperCase()}, as saved.`);
    return fail(
      `Saved region ${saved.toUpperCase()}, but Customer.io workspace ${shown(workspace.name)} is in region ${workspace.region.toUpperCase()}: the webhook sends Postmark's events to ${REGION_WEBHOOK_URLS[saved]}, which does not know this workspace's messages.`,
      facts.command("doctor", "--fix", "--region", workspace.region, ...target(facts)),
    );
  },
};

export const endToEndCheck: DoctorCheck = {
  id: "end-to-end",
  async run(facts) {
    const request = facts.endToEnd();
    if (!request)
      return skip(
        "Skipped: run with --end-to-end --from ADDRESS (and CUSTOMERIO_APP_API_KEY) to send one email through Customer.io and follow it through Postmark and back.",
      );
    let outcome: EndToEndResult;
    try {
      outcome = await request;
    } catch (error) {
      return couldNotRead(error, "what became of the end-to-end test email");
    }
    const { status, message, fix, ...details } = outcome;
    // One email per run: its verdict belongs to the connection whose stream it went through.
    const elsewhere =
      outcome.stage !== "wrong-stream" &&
      outcome.stream !== null &&
      outcome.stream.toLowerCase() !== facts.connection.streamId.toLowerCase();
    if (elsewhere)
      return {
        status: "skip",
        message: `Skipped: Customer.io's test email went through stream ${shown(outcome.stream!)}; its verdict is there.`,
        details,
      };
    return { status, message, ...(fix ? { fix } : {}), details };
  },
};

export const CHECKS: DoctorCheck[] = [
  configFileCheck,
  serverTokenCheck,
  serverSmtpCheck,
  streamCheck,
  webhookExistsCheck,
  webhookTriggersCheck,
  webhookDuplicatesCheck,
  webhookDeliveryCheck,
  webhookVerifyCheck,
  smtpAuthCheck,
  smtpSendCheck,
  unsubscribeCheck,
  sendingDomainsCheck,
  customerioRegionCheck,
  endToEndCheck,
];
