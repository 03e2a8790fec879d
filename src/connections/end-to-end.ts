import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { REGION_WEBHOOK_URLS, regionOfUrl } from "../core/regions.js";
import { firstEvent, isOwnTestMessage } from "../core/send-test.js";
import type { CustomerIoApi, Delivery, Workspace } from "../customerio/api.js";
import type { ServerApi } from "../postmark/api.js";
import type { OutboundMessage } from "../core/model.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { recordTestMessage } from "../journal.js";
import { shown } from "../ui/terminal-safe.js";

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
  const deliveryId = await customerio.sendEmail(workspace.region, {
    to: target.to,
    from: target.from,
    subject: `cio-postmark end-to-end test ${marker}`,
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

  let delivery: Delivery | undefined;
  let found: OutboundMessage | undefined;
  let event: string | undefined;
  for (;;) {
    delivery = await customerio.delivery(workspace.region, deliveryId);
    if (delivery.failureMessage !== null || delivery.metrics.failed !== undefined) {
      return result(
        "fail",
        "not-sent",
        null,
        `Customer.io did not send it: ${shown(delivery.failureMessage ?? "it reports the delivery as failed").replace(/[.\s]+$/, "")}.`,
        notSentFix(runtime, server),
      );
    }
    const matched = delivery.metrics.bounced !== undefined ? "Bounced" : delivery.metrics.delivered !== undefined ? "Delivered" : undefined;
    if (delivery.metrics.sent !== undefined) {
      found ??= (await api.searchOutboundMessages({ recipient: target.to })).find((message) => isOwnTestMessage(message, marker, started));
      if (found) {
        const stream = found.MessageStream;
        const connection = connections.find((candidate) => candidate.streamId.toLowerCase() === stream.toLowerCase());
        if (!connection) return await wrongStream(runtime, target, stream, result);
        if (matched) {
          return result(
            "pass",
            "matched",
            stream,
            `Customer.io sent it through Postmark stream ${shown(stream)}; Postmark's ${matched} event reached Customer.io after ` +
              `${seconds()} s.`,
          );
        }
        event ??= firstEvent((await api.getOutboundMessageDetails(found.MessageID))?.MessageEvents);
      }
    }
    const stage: EndToEndStage = event ? "event" : found ? "in-postmark" : delivery.metrics.sent !== undefined ? "sent" : "queued";
    onProgress(`${STAGE_WAIT[stage]} (${seconds()} s)`);
    if (Date.now() + target.pollMs > deadline) return timedOut(runtime, target, stage, found?.MessageStream ?? null, within, result);
    await sleep(target.pollMs);
  }
}

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
  const reveal = runtime.command("status", "--reveal", "--server", String(connection.serverId), "--stream", connection.streamId);
  return (
    `In Customer.io, ${CUSTOM_SMTP_PATH}: add Postmark with the Access Key and Secret Key of stream ` +
    `${shown(connection.streamId)}'s SMTP token (${reveal} shows them).`
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
  const fix =
    `In Customer.io, ${CUSTOM_SMTP_PATH}: use the SMTP token of stream ${shown(connection.streamId)}; or connect stream ` +
    `${shown(stream)} too: ${runtime.command("setup", "--server", String(connection.serverId), "--stream", stream)}.`;
  return finish("fail", "wrong-stream", stream, `${said}.`, fix);
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
      const connection =
        target.connections.find((candidate) => candidate.streamId.toLowerCase() === (stream ?? "").toLowerCase()) ?? server;
      const webhookRegion = connection.region;
      const workspaceRegion = target.workspace.region;
      const regions =
        webhookRegion === workspaceRegion
          ? `the webhook sends to region ${webhookRegion.toUpperCase()} (${REGION_WEBHOOK_URLS[webhookRegion]}), as the workspace ` +
            `${shown(target.workspace.name)} is; check the webhook's triggers`
          : `the webhook sends to region ${webhookRegion.toUpperCase()} (${REGION_WEBHOOK_URLS[webhookRegion]}), but the workspace ` +
            `${shown(target.workspace.name)} is in region ${workspaceRegion.toUpperCase()}`;
      const fix =
        webhookRegion === workspaceRegion
          ? runtime.command("doctor", "--fix", "--server", String(connection.serverId), "--stream", connection.streamId)
          : runtime.command(
              "doctor",
              "--fix",
              "--region",
              workspaceRegion,
              "--server",
              String(connection.serverId),
              "--stream",
              connection.streamId,
            );
      return finish("fail", stage, stream, `Postmark has the event, but Customer.io never matched it ${within}: ${regions}.`, fix);
    }
  }
}
