import type { WhatPostmarkHas } from "../core/connection-plan.js";
import type { MessageStream, Server, StreamType, Webhook, WebhookDeliveries } from "../core/model.js";
import type { Region } from "../core/regions.js";
import { planWebhooks } from "../core/webhook-plan.js";
import type { ServerApi } from "../postmark/api.js";

/**
 * The one reading of a connection in Postmark: the server, the stream, its webhooks and the kept
 * webhook's statistics (which name the triggers Postmark paused), each fetched at most once. The
 * statistics go in the first round by the saved webhook's ID; only when another webhook is kept
 * are they read again, by its ID. Doctor asks for each fact apart, so a check can say which read
 * failed; setup, apply and --fix take them all at once.
 */

/** What every command judges: WhatPostmarkHas with the server and stream read. */
export type ConnectionFacts = WhatPostmarkHas & { server: Server; stream: MessageStream };

export interface Reading {
  server(): Promise<Server>;
  stream(): Promise<MessageStream>;
  webhooks(): Promise<Webhook[]>;
  /** The kept webhook's statistics: "no-webhook" when the stream has no Customer.io webhook of the region, undefined: no route. */
  deliveries(): Promise<WebhookDeliveries | undefined | "no-webhook">;
  /** Everything, for a command about to plan: statistics that cannot be read count as not reported. */
  all(): Promise<ConnectionFacts>;
}

export interface WhatToRead {
  streamId: string;
  region: Region;
  /** The saved stream type, when there is one: the kept webhook is then known without waiting for the stream. */
  streamType?: StreamType;
  /** The webhook saved for this connection, whose statistics are read alongside the list. */
  webhookId: number | null;
  /** Already read (setup's choice of server and stream). */
  server?: Server;
  stream?: MessageStream;
  /** Postmark's check of the webhook in this run (--verify-webhook): the statistics are read after it, since a pass lifts a pause. */
  verification?: () => Promise<unknown>;
}

/** Memoizes a promise-returning function: many readers, one request. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= load();
    promise.catch(() => undefined); // a fact nobody awaits must not become an unhandled rejection
    return promise;
  };
}

export function readConnection(api: () => Promise<ServerApi>, what: WhatToRead): Reading {
  const server = once(async () => what.server ?? (await api()).getServer());
  const stream = once(async () => what.stream ?? (await api()).getStream(what.streamId));
  const webhooks = once(async () => (await api()).listWebhooks(what.streamId));
  const saved = once(async () => (await api()).webhookDeliveries(what.webhookId!));
  const keptId = async () => {
    const streamType = what.streamType ?? (await stream()).MessageStreamType;
    const { target } = planWebhooks({ region: what.region, streamId: what.streamId, streamType }, await webhooks());
    return target.kind === "create" ? undefined : target.webhook.ID;
  };
  const deliveries = once(async () => {
    if (what.verification) await what.verification().catch(() => undefined);
    else if (what.webhookId !== null) saved();
    const id = await keptId();
    if (id === undefined) return "no-webhook" as const;
    return id === what.webhookId && !what.verification ? saved() : (await api()).webhookDeliveries(id);
  });
  return {
    server,
    stream,
    webhooks,
    deliveries,
    async all() {
      // Asked in this order (server first), so the first answer to fail names the first thing read.
      const reads = [server(), stream(), webhooks()] as const;
      const stats = deliveries().catch(() => undefined);
      const [serverRead, streamRead, hooks] = await Promise.all(reads);
      const kept = await stats;
      return { server: serverRead, stream: streamRead, webhooks: hooks, deliveries: kept === "no-webhook" ? undefined : kept };
    },
  };
}
