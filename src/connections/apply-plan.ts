import type { WantedConnection } from "../core/connection-plan.js";
import type { Server } from "../core/model.js";
import { judgeConnection, namingFor, wantedOf, type Verdict } from "../doctor/judge.js";
import { CliError } from "../errors.js";
import type { ServerApi } from "../postmark/api.js";
import { streamWebhooksLink } from "../postmark/links.js";
import { unknownStreamError } from "../postmark/lookup.js";
import { applyWebhookPlan, type AppliedPlan } from "../postmark/webhook-writer.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { shown } from "../ui/terminal-safe.js";
import { readConnection, type ConnectionFacts, type Reading } from "./read.js";
import { connectionRecord, type Sending } from "./saved.js";
import { accountApi, envToken } from "./clients.js";

/**
 * The one way a plan is applied, by setup, apply and doctor --fix alike: write the webhooks, save
 * one record, then judge what now stands as doctor would (the facts a create read back, or read
 * again after any other write), so a command's last word is doctor's verdict on what it made.
 */

export interface Planned {
  api: ServerApi;
  facts: ConnectionFacts;
  wanted: WantedConnection;
  verdict: Verdict;
}

/**
 * What a reading finds, judged against the connection wanted (of the stream's type as Postmark has
 * it now): what setup, apply and --fix each apply. A stream the server lacks is named with those it has.
 */
export async function judgeReading(
  runtime: Runtime,
  api: ServerApi,
  reading: Reading,
  wanting: Omit<WantedConnection, "streamType">,
  askedUnverified?: boolean,
): Promise<Planned> {
  const read = await reading.all().catch(async (error) => Promise.reject(await unknownStreamError(api, wanting.streamId, error)));
  const facts = { ...read, askedUnverified };
  const wanted = { ...wanting, streamId: read.stream.ID, streamType: read.stream.MessageStreamType };
  return { api, facts, wanted, verdict: judgeConnection(facts, wanted, namingFor(runtime, read.server.ID)) };
}

export interface Applying {
  /** False with --no-verify-webhook: Postmark saves without calling the URL, and the webhook stands unverified. */
  verify: boolean;
  /** How the connection sends and where its secrets live: saved beside what Postmark now has. */
  sending: Sending;
  /** The connection saved before, read under the lock. */
  previous?: SavedConnection;
  /** The command whose re-run finishes what this one left: a deletion that failed, or a save the disk refused. */
  again: string;
  /** How the record is saved (apply saves one at a time); the store's save by default. */
  save?: (connection: SavedConnection) => Promise<void>;
  /** Shared by a run's connections, so each server's error webhooks are turned on once (apply); one of its own by default. */
  errorHooks?: ErrorHooksTurner;
}

export interface Outcome {
  applied: AppliedPlan;
  /** The server's SMTP API error webhooks were off, and are now on. */
  errorHooksTurnedOn: boolean;
  saved: SavedConnection;
  /** Doctor's verdict on what stands now. */
  after: Verdict;
  /** A deletion that failed after the webhook was written and saved: the run fails, saying how to finish. */
  unfinished?: CliError;
}

export async function applyAndSave(runtime: Runtime, planned: Planned, applying: Applying): Promise<Outcome> {
  const { api, wanted, verdict } = planned;
  const plan = verdict.plan!;
  // First the server's error webhooks, when the verdict says they are off: a refusal stops the run before any webhook is written.
  const turning = errorHooksOff(verdict);
  const facts = turning
    ? {
        ...planned.facts,
        server: await turnOnErrorHooks(applying.errorHooks ?? errorHooksTurner(runtime), planned.facts.server, applying.again),
      }
    : planned.facts;
  const { server, stream } = facts;
  // Said only as Postmark's answer shows it.
  const errorHooksTurnedOn = turning && server.EnableSmtpApiErrorHooks === true;
  const applied = await applyWebhookPlan(api, plan.webhooks, wanted, {
    verify: applying.verify,
    alsoVerify: plan.verify,
    webhooksPage: shown(streamWebhooksLink(server, stream.ID)),
  });
  const saved = connectionRecord(
    { server, stream, region: wanted.region, webhook: applied.webhook },
    { ...applying.sending, webhookUnverified: applied.unverified ?? Boolean(facts.askedUnverified), previous: applying.previous },
  );
  try {
    await (applying.save ?? ((record) => runtime.store.save(record)))(saved);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const stands = applied.action === "unchanged" ? "is" : `was ${applied.action}`;
    // The webhook stands in Postmark whatever the disk says: the words name it, and how a re-run keeps it.
    throw new CliError(
      error.code,
      `${error.message.replace(/\.$/, "")}: webhook ${applied.webhook.ID} ${stands} in Postmark, but the connection was not saved.`,
      {
        hint: `${error.hint ?? ""} Then run this again, which keeps webhook ${applied.webhook.ID} and saves it: ${applying.again}`.trim(),
        cause: error,
      },
    );
  }
  const after = judgeConnection(await factsAfter(api, facts, applied, saved), wantedOf(saved), namingFor(runtime, server.ID));
  if (applied.notRemoved.length === 0) return { applied, errorHooksTurnedOn, saved, after };
  const [first] = applied.notRemoved;
  const unfinished = new CliError(
    "webhook_not_removed",
    `Saved ${shown(server.Name)} / ${shown(stream.ID)} with webhook ${applied.webhook.ID}, but could not delete webhook ` +
      `${applied.notRemoved.map(({ id }) => id).join(", ")}: ${first!.error.message} Until it is deleted, Customer.io counts events twice.`,
    { hint: `To finish: ${applying.again}` },
  );
  return { applied, errorHooksTurnedOn, saved, after, unfinished };
}

/** What stands after the writes: read back by a create, read again after any other write, else what was read before. */
async function factsAfter(api: ServerApi, before: ConnectionFacts, applied: AppliedPlan, saved: SavedConnection): Promise<ConnectionFacts> {
  const known = { server: before.server, stream: before.stream, askedUnverified: saved.webhookUnverified === true };
  if (applied.seen) return { ...known, ...applied.seen };
  const wrote =
    applied.action !== "unchanged" || applied.removed.length + applied.notRemoved.length > 0 || applied.unverified !== undefined;
  if (!wrote) return { ...before, ...known };
  const again = readConnection(async () => api, {
    streamId: saved.streamId,
    region: saved.region,
    streamType: saved.streamType,
    webhookId: saved.webhookId,
    server: before.server,
    stream: before.stream,
  });
  return { ...(await again.all()), askedUnverified: known.askedUnverified };
}

/** Whether the verdict says the server's SMTP API error webhooks are off: a repair that deletes nothing, made once per server. */
export const errorHooksOff = (verdict: Verdict) => verdict.findings["smtp-error-hooks"]?.repair !== undefined;

/** The plan's words for it, as setup and doctor --fix show a plan. */
export const ERROR_HOOKS_STEP =
  "Turn on the server's SMTP API error webhooks (Postmark then reports the mail it refuses to a suppressed address)";

/**
 * Turns on a server's SMTP API error webhooks as Postmark documents it, with the run's account token
 * (the verdict plans it only where there is one), once per server however many of its streams ask in one run.
 */
export type ErrorHooksTurner = (server: Server) => Promise<Server>;

/** The step, refused: nothing has changed yet, and the likeliest cause (another account's token) is named with the way on. */
async function turnOnErrorHooks(turner: ErrorHooksTurner, server: Server, again: string): Promise<Server> {
  try {
    return await turner(server);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const hint =
      `Nothing was changed.${error.hint ? ` ${error.hint}` : ""} Postmark turns them on only for the account the server is in: if ` +
      `POSTMARK_ACCOUNT_TOKEN is another account's, use this one's, or leave it unset to connect without them. Then: ${again}`;
    throw new CliError(error.code, error.message, { exitCode: error.exitCode, hint, cause: error });
  }
}

export function errorHooksTurner(runtime: Runtime): ErrorHooksTurner {
  const turned = new Map<number, Promise<Server>>();
  return (server) => {
    if (!turned.has(server.ID))
      turned.set(server.ID, accountApi(runtime, envToken(runtime.env, "account")!).enableSmtpApiErrorHooks(server.ID));
    return turned.get(server.ID)!;
  };
}
