import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { REGION_WEBHOOK_URLS, regionOfUrl } from "../core/regions.js";
import { firstEvent, isBounceTestAddress, isOwnTestMessage } from "../core/send-test.js";
import { eventRecorded, type CustomerIoApi, type Delivery, type Workspace } from "../customerio/api.js";
import type { ServerApi } from "../postmark/api.js";
import type { OutboundMessage } from "../core/model.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { recordTestMessage } from "../journal.js";
import { CliError } from "../errors.js";
import { shown } from "../ui/terminal-safe.js";
import { connectionFlags } from "./saved.js";
import { isConnectionOf, sameStreamId } from "../core/matching.js";

/**
 * `doctor --end-to-end`: one email sent by Customer.io itself, followed on both sides. Customer.io
 * says whether it sent it; Postmark says which stream it went through (found by this run's marker);
 * Customer.io's metrics say whether Postmark's event came back to it through the webhook. The stage
 * reached is the verdict.
 */

export type EndToEndStage = "queued" | "not-sent" | "sent" | "wrong-stream" | "in-postmark" | "event" | "matched";

export interface EndToEndResult {
  status: "pass" | "fail";
  message: string;
  fix?: string;
  deliveryId: string;
  /** The Postmark stream it went through, once found. */
  stream: string | null;
  stage: EndToEndStage;
  seconds: number;
}

export interface EndToEndTarget {
  customerio: CustomerIoApi;
  workspace: Workspace;
  /** The server the checked connections are on, read with its server token. */
  api: ServerApi;
  connections: SavedConnection[];
  from: string;
  to: string;
  timeoutMs: number;
  pollMs: number;
}

/** Postmark's largest page, and how far back its Messages API searches at all. */
const SEARCH_PAGE = 500;
const SEARCH_REACH = 10_000;

/**
 * The run's own message, by its marker: page after page, newest first, where a search ignores the
 * subject filter and a busy --to has had more mail since, up to as far back as Postmark searches.
 */
async function findByMarker(
  api: ServerApi,
  filters: Record<string, string>,
  marker: string,
  signal: AbortSignal,
): Promise<OutboundMessage | undefined> {
  for (let offset = 0; offset + SEARCH_PAGE <= SEARCH_REACH; offset += SEARCH_PAGE) {
    const page = await api.searchOutboundMessages(filters, SEARCH_PAGE, offset, signal);
    const own = page.find((message) => isOwnTestMessage(message, marker));
    if (own || page.length < SEARCH_PAGE) return own;
  }
  return undefined;
}

const CUSTOM_SMTP_PATH = "Settings > Workspace Settings > Email > Custom SMTP Settings";

export async function proveWholeChain(
  runtime: Runtime,
  target: EndToEndTarget,
  onProgress: (text: string) => void = () => {},
): Promise<EndToEndResult> {
  const { customerio, workspace, api, connections } = target;
  const server = connections[0]!;
  const marker = randomUUID();
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const deadline = started + target.timeoutMs;
  const within = `within ${Math.round(target.timeoutMs / 1000)} s`;

  onProgress(`Asking Customer.io to send a test email to ${target.to}`);
  const subject = `cio-postmark end-to-end test ${marker}`;
  const deliveryId = await customerio.sendEmail(workspace.region, {
    to: target.to,
    from: target.from,
    subject,
    body: `<p>Sent by cio-postmark through Customer.io to prove the Postmark connection end to end. Run ${marker}.</p>`,
  });
  recordTestMessage(target.to);
  const result = (
    status: EndToEndResult["status"],
    stage: EndToEndStage,
    stream: string | null,
    message: string,
    fix?: string,
  ): EndToEndResult => ({
    status,
    message,
    ...(fix ? { fix } : {}),
    deliveryId,
    stream,
    stage,
    seconds: seconds(),
  });

  // Every wait after the send, Customer.io's and Postmark's (a 429's included), ends by the deadline: --timeout is the whole run's.
  const stop = AbortSignal.timeout(target.timeoutMs);
  let stage: EndToEndStage = "queued";
  let found: OutboundMessage | undefined;
  let event: string | undefined;
  // Whether Customer.io answered any read of the delivery: a deadline reached without one says nothing of where the email is.
  let answered = false;
  try {
    for (;;) {
      // Undefined while Customer.io has not indexed the delivery yet: not an answer.
      const delivery = await customerio.delivery(workspace.region, deliveryId, stop);
      answered = true;
      const sent = delivery?.metrics.sent;
      // Once sent, a failure is the mail server's report of a bounce, not Customer.io keeping the email back.
      const ended = delivery && sent === undefined && whyNotSent(delivery);
      if (ended) return result("fail", "not-sent", null, `Customer.io did not send it: ${ended}.`, notSentFix(runtime, server));
      const matched = sent === undefined ? undefined : eventRecorded(delivery!.metrics, sent);
      if (sent !== undefined) {
        if (stage === "queued") stage = "sent"; // known before the searches below, which a deadline may cut short
        // Found by this run's marker, whatever Postmark's clock says; the subject narrows the search to it.
        found ??= await findByMarker(api, { recipient: target.to, subject }, marker, stop);
        if (found) {
          const stream = found.MessageStream;
          const connection = connections.find((candidate) => sameStreamId(candidate.streamId, stream));
          if (!connection) return await wrongStream(runtime, target, stream, result);
          // Its event goes to the other region's URL: it can never be matched, so there is nothing to wait for.
          if (connection.region !== workspace.region) return regionMismatch(runtime, target, connection, result);
          if (matched) {
            return result(
              "pass",
              "matched",
              stream,
              `Customer.io sent it through Postmark stream ${shown(stream)}; Postmark's ${matched} event reached Customer.io after ` +
                `${seconds()} s.`,
            );
          }
          if (connection.streamType === "Broadcasts" && isBounceTestAddress(target.to)) {
            return result("fail", "in-postmark", stream, broadcastBounceWords(stream, target.to), BROADCAST_PROOF_FIX);
          }
          event ??= firstEvent((await api.getOutboundMessageDetails(found.MessageID, stop))?.MessageEvents);
        }
      }
      stage = event ? "event" : found ? "in-postmark" : sent !== undefined ? "sent" : "queued";
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      onProgress(`${STAGE_WAIT[stage]} (${seconds()} s; gives up in ${left} s)`);
      if (Date.now() + target.pollMs > deadline) return timedOut(runtime, target, stage, found?.MessageStream ?? null, within, result);
      await sleep(target.pollMs);
    }
  } catch (error) {
    // After the send, every answer keeps what is known: the delivery, the stage reached, the time.
    if (!(error instanceof CliError)) throw error;
    const stream = found?.MessageStream ?? null;
    if (stop.aborted && answered) return timedOut(runtime, target, stage, stream, within, result);
    if (stop.aborted)
      return result(
        "fail",
        stage,
        stream,
        `Could not follow the test email: Customer.io answered no read of its delivery ${within}.`,
        "Customer.io may have sent it all the same: look in its Deliveries & Activity, then run again when it answers.",
      );
    return result("fail", stage, stream, `Could not follow the test email: ${error.message}`, error.hint ?? "Run doctor again.");
  }
}

/** Customer.io's own word that the email will not go out (its failure message, else the metric that says so), or undefined. */
function whyNotSent(delivery: Delivery): string | undefined {
  if (delivery.failureMessage !== null) return shown(delivery.failureMessage).replace(/[.\s]+$/, "");
  if (delivery.metrics.dropped !== undefined)
    return "it dropped the email (Customer.io drops email to a suppressed or unsubscribed person)";
  if (delivery.metrics.undeliverable !== undefined) return "it reports the email as undeliverable";
  if (delivery.metrics.failed !== undefined) return "it reports the delivery as failed";
  return undefined;
}

function broadcastBounceWords(stream: string, to: string): string {
  return (
    `Customer.io sent it through broadcast stream ${shown(stream)}, to ${shown(to)}, which bounces: a broadcast stream's webhook ` +
    `carries no Bounce event, so this proof could never pass.`
  );
}

export const BROADCAST_PROOF_FIX =
  "Run again with --to set to a mailbox you can read: its Delivery event reaches Customer.io from a broadcast stream too.";

const STAGE_WAIT: Record<EndToEndStage, string> = {
  queued: "Waiting for Customer.io to send it",
  sent: "Customer.io sent it; looking for it in Postmark",
  "in-postmark": "Found in Postmark; waiting for its event",
  event: "Postmark has its event; waiting for Customer.io to match it",
  "not-sent": "",
  "wrong-stream": "",
  matched: "",
};

type Finish = (
  status: EndToEndResult["status"],
  stage: EndToEndStage,
  stream: string | null,
  message: string,
  fix?: string,
) => EndToEndResult;

function notSentFix(runtime: Runtime, connection: SavedConnection): string {
  const reveal = runtime.command("status", "--reveal", ...connectionFlags(connection));
  return (
    `In Customer.io, ${CUSTOM_SMTP_PATH}: add Postmark with the Access Key and Secret Key of stream ` +
    `${shown(connection.streamId)}'s SMTP token; this shows them: ${reveal}`
  );
}

/** It went through a stream that is not among the checked connections. */
async function wrongStream(runtime: Runtime, target: EndToEndTarget, stream: string, finish: Finish): Promise<EndToEndResult> {
  const connection = target.connections[0]!;
  const webhooks = await target.api.listWebhooks(stream);
  const hasCustomerIo = webhooks.some((hook) => regionOfUrl(hook.Url) !== undefined);
  const said = hasCustomerIo
    ? `Sent through stream ${shown(stream)}, not through ${target.connections.map((c) => shown(c.streamId)).join(" or ")}`
    : `Sent through stream ${shown(stream)}, which has no Customer.io webhook`;
  // A stream connected already (in this sitting or before) is not offered again: its own proof is.
  const saved = (await runtime.store.list()).some((other) => isConnectionOf(other, connection.serverId, stream));
  const other = saved
    ? `or, since stream ${shown(stream)} is connected too, prove it: ` +
      runtime.command("doctor", "--end-to-end", "--from", target.from, ...connectionFlags({ ...connection, streamId: stream }))
    : `or connect stream ${shown(stream)} too: ${runtime.command("setup", ...connectionFlags({ ...connection, streamId: stream }))}`;
  const fix = `In Customer.io, ${CUSTOM_SMTP_PATH}: use the SMTP token of stream ${shown(connection.streamId)}; ${other}.`;
  return finish("fail", "wrong-stream", stream, `${said}.`, fix);
}

function regionMismatch(runtime: Runtime, target: EndToEndTarget, connection: SavedConnection, finish: Finish): EndToEndResult {
  const { region } = connection;
  const { workspace } = target;
  return finish(
    "fail",
    "in-postmark",
    connection.streamId,
    `Customer.io sent it through Postmark stream ${shown(connection.streamId)}, but that stream's webhook sends its events to region ` +
      `${region.toUpperCase()} (${REGION_WEBHOOK_URLS[region]}) and the workspace ${shown(workspace.name)} is in region ` +
      `${workspace.region.toUpperCase()}: Customer.io can never match them, so the proof stops here.`,
    runtime.command("doctor", "--fix", "--region", workspace.region, "--yes", ...connectionFlags(connection)),
  );
}

function timedOut(
  runtime: Runtime,
  target: EndToEndTarget,
  stage: EndToEndStage,
  stream: string | null,
  within: string,
  finish: Finish,
): EndToEndResult {
  const server = target.connections[0]!;
  const longer = `run again with a longer --timeout`;
  switch (stage) {
    case "queued":
      return finish(
        "fail",
        stage,
        stream,
        `Customer.io had not sent it ${within}.`,
        `Customer.io may be slow: ${longer}, or look at the delivery in Customer.io's Deliveries & Activity.`,
      );
    case "sent":
      return finish(
        "fail",
        stage,
        stream,
        `Customer.io sent it, but server ${shown(server.serverName)} has no message with this run's marker ${within}: Customer.io's ` +
          `custom SMTP server is not an SMTP token of this server.`,
        notSentFix(runtime, server),
      );
    case "in-postmark":
      return finish(
        "fail",
        stage,
        stream,
        `Postmark has the message on stream ${shown(stream ?? "")}, but no event for it ${within}.`,
        `Postmark may be slow: ${longer}.`,
      );
    default: {
      // A webhook in the other region stops the proof as soon as the message is found (regionMismatch), so here the regions agree:
      // nothing in the plan to repair, and the fix is Postmark's own check, which lifts a paused trigger.
      const connection = target.connections.find((candidate) => sameStreamId(candidate.streamId, stream ?? "")) ?? server;
      const { region } = connection;
      return finish(
        "fail",
        stage,
        stream,
        `Postmark has the event, but Customer.io never matched it ${within}: the webhook sends to region ${region.toUpperCase()} ` +
          `(${REGION_WEBHOOK_URLS[region]}), as the workspace ${shown(target.workspace.name)} is; Postmark may have paused the ` +
          `trigger, or Customer.io's Postmark integration is off.`,
        `Have Postmark verify the webhook now: ${runtime.command("doctor", "--verify-webhook", ...connectionFlags(connection))}`,
      );
    }
  }
}
