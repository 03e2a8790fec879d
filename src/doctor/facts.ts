import { readSecretEnv } from "../core/inputs.js";
import { planWebhooks } from "../core/webhook-plan.js";
import { once, readConnection } from "../connections/read.js";
import { judgeConnection, namingFor, wantedOf, type Verdict } from "./judge.js";
import { secretKeyVariable } from "../connections/saved.js";
import { accountApi, envToken, serverApi, serverTokenFor, type SourcedToken } from "../connections/clients.js";
import type { Runtime } from "../runtime.js";
import type { Domain } from "../core/model.js";
import type { Workspace } from "../customerio/api.js";
import type { EndToEndResult } from "../connections/end-to-end.js";
import { verifySmtp } from "../smtp/verify.js";
import type { CheckedConnection, Facts } from "./types.js";
import { proveTokenStream } from "../connections/send-test.js";
import type { SendTestAddresses } from "../core/send-test.js";

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
  const wanted = wantedOf(connection);
  const reading = readConnection(api, {
    streamId: connection.streamId,
    region: connection.region,
    streamType: connection.streamType,
    webhookId: connection.webhookId,
    verification: verifyWebhook ? () => verification() : undefined,
  });
  const verification = once(async () => {
    const { target } = planWebhooks(wanted, await reading.webhooks());
    return target.kind === "create" ? ("no-webhook" as const) : (await api()).verifyWebhook(target.webhook.ID);
  });
  const verdict = once(() =>
    judgeWhatWasRead({ ...reading, verification: () => (verifyWebhook ? verification() : undefined) }, connection, runtime),
  );
  const smtpCredentials = () => {
    const smtp = connection.smtp;
    const secretKey = smtp?.secretKey ?? readSecretEnv(runtime.env, secretKeyVariable(connection));
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
    server: reading.server,
    stream: reading.stream,
    webhooks: reading.webhooks,
    deliveries: reading.deliveries,
    verdict,
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

/** The one judgement over what could be read of a connection; a check whose own read failed says so itself. */
export async function judgeWhatWasRead(
  reads: Pick<Facts, "server" | "stream" | "webhooks" | "deliveries" | "verification">,
  connection: CheckedConnection,
  runtime: Pick<Runtime, "command" | "env"> & { output: { symbols: { arrow: string } } },
): Promise<Verdict> {
  const settled = <T>(fact: Promise<T> | undefined) => fact?.catch(() => undefined);
  const [server, stream, webhooks, deliveries, checkedNow] = await Promise.all([
    settled(reads.server()),
    settled(reads.stream()),
    settled(reads.webhooks()),
    settled(reads.deliveries()),
    settled(reads.verification()),
  ]);
  const facts = {
    server,
    stream,
    webhooks,
    deliveries: typeof deliveries === "object" ? deliveries : undefined,
    askedUnverified: connection.webhookUnverified === true,
    // A check Postmark ran in this run and passed outweighs the Status read before it.
    verifiedNow: typeof checkedNow === "object" && checkedNow.success,
  };
  return judgeConnection(facts, wantedOf(connection), namingFor(runtime, connection.serverId));
}
