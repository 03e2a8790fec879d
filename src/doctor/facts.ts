import { readSecretEnv } from "../core/inputs.js";
import type { DesiredWebhook } from "../core/webhook-plan.js";
import { planConnection } from "../core/connection-plan.js";
import { accountApi, envToken, serverApi, serverTokenFor, type SourcedToken } from "../connections/clients.js";
import type { Runtime } from "../runtime.js";
import type { Domain } from "../core/model.js";
import type { Workspace } from "../customerio/api.js";
import type { EndToEndResult } from "../connections/end-to-end.js";
import { verifySmtp } from "../smtp/verify.js";
import type { SavedConnection } from "../store/config-store.js";
import type { CheckedConnection, Facts } from "./types.js";
import { proveTokenStream, type SendTestAddresses } from "../connections/send-test.js";

/** Memoizes a promise-returning function: many checks, one request. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= load();
    promise.catch(() => undefined); // a fact nobody awaits must not become an unhandled rejection
    return promise;
  };
}

/** What a saved connection's webhook should be. */
export function desiredFor(connection: SavedConnection): DesiredWebhook {
  return { region: connection.region, streamId: connection.streamId, streamType: connection.streamType };
}

/** The facts about one saved connection, fetched lazily and at most once. */
export interface FactOptions {
  sendTo?: SendTestAddresses;
  /** --verify-webhook: ask Postmark to call Customer.io's URL now. */
  verifyWebhook?: boolean;
  /** The account's sending domains, read once for every connection of the run (see accountDomains). */
  domains?: () => Promise<Domain[]> | undefined;
  /** Shared by every connection of the run: the key's workspace, and --end-to-end's one email. */
  workspace?: () => Promise<Workspace> | undefined;
  endToEnd?: () => Promise<EndToEndResult> | undefined;
}

/** With an account token, the account's domains, read at most once however many connections ask. */
export function accountDomains(runtime: Runtime): () => Promise<Domain[]> | undefined {
  const accountToken = envToken(runtime.env, "account");
  const domains = accountToken ? once(() => accountApi(runtime, accountToken).listDomains()) : undefined;
  return () => domains?.();
}

/** The server token a checked connection is read with: the one its file's server was found with, else the saved or environment's. */
export async function tokenFor(runtime: Runtime, connection: CheckedConnection): Promise<SourcedToken> {
  return connection.origin?.serverToken ?? serverTokenFor(runtime, connection);
}

export function collectFacts(
  runtime: Runtime,
  connection: CheckedConnection,
  { sendTo, verifyWebhook, domains = accountDomains(runtime), workspace = () => undefined, endToEnd = () => undefined }: FactOptions = {},
): Facts {
  const api = once(async () => serverApi(runtime, await tokenFor(runtime, connection)));
  // The same plan setup and --fix make; the checks judge its webhook part.
  const wanted = { ...desiredFor(connection), needsSmtp: connection.smtp !== null };
  const plan = once(async () => planConnection({ webhooks: await (await api()).listWebhooks(connection.streamId) }, wanted).webhooks);
  /** The webhook the plan judges (the saved one, unless it was replaced), or undefined when the stream has none. */
  const currentWebhookId = async () => {
    const { target } = await plan();
    return target.kind === "create" ? undefined : target.webhook.ID;
  };
  const verification = once(async () => {
    const id = await currentWebhookId();
    return id === undefined ? ("no-webhook" as const) : (await api()).verifyWebhook(id);
  });
  // Read alongside the webhook list, by the saved ID: one round, not two, when that is still the webhook.
  // With --verify-webhook, read after Postmark's check instead: a check that passed lifts what it paused.
  const savedDeliveries = once(async () => (await api()).webhookDeliveries(connection.webhookId!));
  const deliveries = once(async () => {
    if (verifyWebhook) await verification().catch(() => undefined);
    else if (connection.webhookId !== null) savedDeliveries();
    const id = await currentWebhookId();
    if (id === undefined) return "no-webhook" as const;
    return id === connection.webhookId ? savedDeliveries() : (await api()).webhookDeliveries(id);
  });
  const smtpCredentials = () => {
    const smtp = connection.smtp;
    const secretKey = smtp?.secretKey ?? readSecretEnv(runtime.env, "POSTMARK_SMTP_SECRET_KEY");
    return smtp && secretKey ? { host: smtp.host, port: smtp.port, accessKey: smtp.accessKey, secretKey } : undefined;
  };
  const sendTest = sendTo
    ? once(async () => {
        const credentials = smtpCredentials();
        if (!credentials) return "no-smtp" as const;
        const target = {
          api: await api(),
          credentials,
          serverName: connection.serverName,
          streamId: connection.streamId,
          streamType: connection.streamType,
        };
        return proveTokenStream(runtime, target, sendTo);
      })
    : undefined;
  return {
    connection,
    configFile: runtime.store.path,
    configMode: () => runtime.store.fileMode(),
    configDirMode: () => runtime.store.dirMode(),
    fileModes: runtime.platform.fileModes,
    server: once(async () => (await api()).getServer()),
    stream: once(async () => (await api()).getStream(connection.streamId)),
    plan,
    deliveries,
    verification: () => (verifyWebhook ? verification() : undefined),
    smtpCredentials,
    verifySmtp: (credentials) => verifySmtp(credentials, runtime.smtp),
    domains,
    workspace,
    endToEnd,
    sendTest: () => sendTest?.(),
    symbols: runtime.output.symbols,
    command: runtime.command,
  };
}
