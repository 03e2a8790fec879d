import type { ServerClient } from "postmark";
import { CliError } from "../errors.js";
import { mapConcurrently } from "../core/concurrency.js";
import type { Trace } from "../trace.js";
import type { PostmarkEndpoint } from "./base-url.js";
import { codeOf, isTransient, mapPostmarkError, statusOf, withAnswer, type TokenKind } from "./errors.js";
import type { ProxySettings } from "../http/proxy.js";
import { guardedFetch, requestSlots, type RequestSlot, type Service } from "../http/guarded-fetch.js";
import { postmarkRequests } from "../http/limiter.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../http/retry.js";
import type { BackoffPolicy } from "../http/backoff.js";
import * as shapes from "./shapes.js";
import type {
  MessageStream,
  OutboundMessage,
  Suppression,
  Server,
  WebhookVerification,
  Webhook,
  WebhookBody,
  WebhookDeliveries,
} from "../core/model.js";

/**
 * The only module that talks to the `postmark` client. Reads are retried on transient failures;
 * writes are not (see webhook-writer.ts for how they are repeated safely). Every answer is checked
 * for the fields this tool uses, and every error leaves as a CliError a person can act on.
 */

export const POSTMARK_SERVICE: Service = {
  code: "postmark",
  name: "Postmark",
  urlVariables: "POSTMARK_API_URL",
  host: "api.postmarkapp.com",
};

export interface PostmarkSettings {
  endpoint: PostmarkEndpoint;
  /** Deadline for one request. */
  timeoutMs: number;
  retry?: RetryPolicy;
  /** How a 429 is waited out (tests make it quick). */
  rateLimit?: BackoffPolicy;
  trace?: Trace;
  /** The proxy the environment names; direct when absent. */
  proxy?: ProxySettings;
}

/**
 * The client's own request path (its headers, timeout and our fetch), for what its methods do not
 * cover: the verify and statistics routes, and a write's `verify=false` query.
 */
interface RawRequests {
  processRequest(method: string, path: string, query: Record<string, string>, body: object | null): Promise<unknown>;
}
const raw = (client: unknown) => client as RawRequests;

/** How a write asks Postmark not to verify the URL first: both forms its documents show. */
const NO_VERIFY_QUERY = { verify: "false" };

/** Postmark's answer to a route this account's API does not have. */
const NO_ROUTE = Symbol("no such route");
/** Postmark's answer about a message it has not processed far enough to show. */
const NOT_YET = Symbol("not yet");
/** ErrorCode 701: "This message was not found." */
const MESSAGE_NOT_FOUND = 701;

export const PAGE_SIZE = 500;
/** How many pages of a big account are fetched at once. */
const PAGE_CONCURRENCY = 8;
/** No real account comes near this; a TotalCount beyond it is a bad answer, not a reason to send thousands of requests. */
const MAX_LISTED = 100_000;

/** The client's own timeout would count the wait for a place under the cap: ours, per try, does not. */
const CLIENT_TIMEOUT_S = 24 * 3600;

export function clientOptions(settings: PostmarkSettings) {
  return {
    useHttps: settings.endpoint.useHttps,
    requestHost: settings.endpoint.requestHost,
    timeout: CLIENT_TIMEOUT_S,
    fetch: guardedFetch({
      service: POSTMARK_SERVICE,
      limiter: postmarkRequests,
      trace: settings.trace,
      timeoutMs: settings.timeoutMs,
      backoff: settings.rateLimit,
      proxy: settings.proxy,
    }),
  };
}

export abstract class PostmarkApi<Client> {
  private client?: Promise<Client>;

  protected constructor(
    protected readonly token: string,
    protected readonly settings: PostmarkSettings,
    private readonly kind: TokenKind,
    /** Where the token came from, named in the hint when Postmark rejects it. */
    private readonly source: string,
  ) {}

  protected abstract createClient(): Promise<Client>;

  private getClient(): Promise<Client> {
    this.client ??= this.createClient();
    return this.client;
  }

  /** A read: retried when Postmark or the network stumbles; its answer checked by `shape`. */
  protected read<T>(
    action: string,
    call: (client: Client) => Promise<unknown>,
    shape: (answer: unknown) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.call(
      action,
      (client) => withRetry(() => this.attempt(client, call, signal), this.settings.retry ?? DEFAULT_RETRY, isTransient),
      shape,
    );
  }

  /** A write: tried once; the caller decides whether it is safe to repeat. */
  protected write<T>(action: string, call: (client: Client) => Promise<unknown>, shape: (answer: unknown) => T): Promise<T> {
    return this.call(action, (client) => this.attempt(client, call), shape);
  }

  /** One request, with its slot: a refusal from the guarded fetch replaces the client's vaguer error. */
  private async attempt(client: Client, call: (client: Client) => Promise<unknown>, signal?: AbortSignal): Promise<unknown> {
    const slot: RequestSlot = { signal };
    try {
      return await requestSlots.run(slot, () => call(client));
    } catch (error) {
      if (slot.refusal) throw slot.refusal;
      if (signal?.aborted) throw new CliError("cancelled_request", "Cancelled after another request failed.");
      throw withAnswer(error, slot.answer);
    }
  }

  private async call<T>(action: string, call: (client: Client) => Promise<unknown>, shape: (answer: unknown) => T): Promise<T> {
    let answer: unknown;
    try {
      answer = await call(await this.getClient());
    } catch (error) {
      throw mapPostmarkError(error, { action, token: this.kind, source: this.source, baseUrl: this.settings.endpoint.url });
    }
    try {
      return shape(answer);
    } catch (error) {
      if (error instanceof shapes.ShapeError) throw shapes.badResponse(action, error.message);
      throw error;
    }
  }

  /**
   * Every item of a paged listing. The first page says how many there are; the rest are fetched a
   * few at once. It stops at the first short page, refuses a count no account has, and cancels the
   * remaining requests when one fails.
   */
  protected async listAll<T>(
    action: string,
    fetchPage: (client: Client, offset: number) => Promise<unknown>,
    key: string,
    item: (value: unknown) => T,
  ): Promise<T[]> {
    const page = (offset: number, signal?: AbortSignal) =>
      this.read(
        action,
        (client) => fetchPage(client, offset),
        (answer) => shapes.pageOf(answer, key, item),
        signal,
      );
    const first = await page(0);
    if (first.items.length < PAGE_SIZE) return first.items;
    if (first.total > MAX_LISTED)
      throw shapes.badResponse(action, `it counts ${first.total} items, more than the ${MAX_LISTED} this tool reads`);
    const offsets: number[] = [];
    for (let offset = PAGE_SIZE; offset < first.total; offset += PAGE_SIZE) offsets.push(offset);
    const cancel = new AbortController();
    let end = Infinity; // the offset of the first short page seen: nothing lies beyond it
    const rest = await mapConcurrently(offsets, PAGE_CONCURRENCY, async (offset) => {
      if (offset > end) return [];
      try {
        const { items } = await page(offset, cancel.signal);
        if (items.length < PAGE_SIZE) end = Math.min(end, offset);
        return items;
      } catch (error) {
        cancel.abort();
        throw error;
      }
    });
    return [...first.items, ...rest.flat()];
  }
}

/** A refusal that is an answer, not a failure: `instead` stands for it. */
async function answerOr(request: Promise<unknown>, isAnswer: (error: unknown) => boolean, instead: symbol): Promise<unknown> {
  try {
    return await request;
  } catch (error) {
    if (isAnswer(error)) return instead;
    throw error;
  }
}

/** A 404 is the older API saying it has no such route. */
const withoutRoute = (request: Promise<unknown>) => answerOr(request, (error) => statusOf(error) === 404, NO_ROUTE);

export class ServerApi extends PostmarkApi<ServerClient> {
  constructor(token: string, settings: PostmarkSettings, source = "POSTMARK_SERVER_TOKEN") {
    super(token, settings, "server", source);
  }

  protected async createClient() {
    const { ServerClient } = await import("postmark");
    return new ServerClient(this.token, clientOptions(this.settings));
  }

  getServer(): Promise<Server> {
    return this.read("read the server", (client) => client.getServer(), shapes.server);
  }

  listStreams(): Promise<MessageStream[]> {
    return this.read(
      "list the message streams",
      (client) => client.getMessageStreams({ messageStreamType: "All", includeArchivedStreams: true } as never),
      shapes.streams,
    );
  }

  getStream(id: string): Promise<MessageStream> {
    return this.read(`read message stream "${id}"`, (client) => client.getMessageStream(encodeURIComponent(id)), shapes.stream);
  }

  listWebhooks(streamId: string): Promise<Webhook[]> {
    return this.read(
      `list the webhooks of stream "${streamId}"`,
      (client) => client.getWebhooks({ messageStream: streamId }),
      shapes.webhooks,
    );
  }

  getWebhook(id: number): Promise<Webhook> {
    return this.read(`read webhook ${id}`, (client) => client.getWebhook(id), shapes.webhook);
  }

  /** With `verify: false`, Postmark saves it without calling the URL first (unverified). */
  createWebhook(body: WebhookBody, { verify }: { verify: boolean }): Promise<Webhook> {
    return this.write(
      "create the webhook",
      (client) =>
        verify
          ? client.createWebhook(body as never)
          : raw(client).processRequest("POST", "/webhooks", NO_VERIFY_QUERY, { ...body, Verify: false }),
      shapes.webhook,
    );
  }

  editWebhook(id: number, body: WebhookBody, { verify }: { verify: boolean }): Promise<Webhook> {
    const { MessageStream: _stream, ...editable } = body;
    return this.write(
      `update webhook ${id}`,
      (client) =>
        verify
          ? client.editWebhook(id, editable as never)
          : raw(client).processRequest("PUT", `/webhooks/${id}`, NO_VERIFY_QUERY, { ...editable, Verify: false }),
      shapes.webhook,
    );
  }

  /** Postmark calls the webhook's URL now, once per enabled trigger; undefined where the API has no such route. */
  verifyWebhook(id: number): Promise<WebhookVerification | undefined> {
    return this.write(
      `verify webhook ${id}`,
      (client) => withoutRoute(raw(client).processRequest("POST", `/webhooks/${id}/verify`, {}, {})),
      (answer) => (answer === NO_ROUTE ? undefined : shapes.verification(answer)),
    );
  }

  /** Postmark's deliveries to the webhook's URL in the last 24 hours; undefined where the API has no such route. */
  webhookDeliveries(id: number): Promise<WebhookDeliveries | undefined> {
    return this.read(
      `read the delivery statistics of webhook ${id}`,
      (client) => withoutRoute(raw(client).processRequest("GET", `/webhooks/${id}/statistics`, {}, null)),
      (answer) => (answer === NO_ROUTE ? undefined : shapes.webhookDeliveries(answer)),
    );
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.write(
      `delete webhook ${id}`,
      (client) => client.deleteWebhook(id),
      () => undefined,
    );
  }

  /** The stream's suppressions of this address (the dump's filter may match more: only the address itself is kept). */
  async suppressionsOf(streamId: string, address: string): Promise<Suppression[]> {
    const found = await this.read(
      `read the suppressions of stream "${streamId}"`,
      (client) =>
        raw(client).processRequest(
          "GET",
          `/message-streams/${encodeURIComponent(streamId)}/suppressions/dump`,
          { EmailAddress: address },
          null,
        ),
      shapes.suppressions,
    );
    return found.filter((suppression) => suppression.EmailAddress.toLowerCase() === address.toLowerCase());
  }

  /** Lifts the stream's suppression of this address (Postmark: "deleting a HardBounce suppression reactivates the bounce"). */
  reactivate(streamId: string, address: string): Promise<{ status: string; message: string | null }> {
    return this.write(
      `reactivate ${address} on stream "${streamId}"`,
      (client) => client.deleteSuppressions(encodeURIComponent(streamId), { Suppressions: [{ EmailAddress: address }] }),
      shapes.suppressionChange,
    );
  }

  /**
   * Outbound messages matching the filters (recipient, subject, tag, messagestream, metadata_<key>),
   * newest first: one page, of `count` (at most 500, Postmark's page).
   */
  searchOutboundMessages(filters: Record<string, string>, count = 50, offset = 0, signal?: AbortSignal): Promise<OutboundMessage[]> {
    return this.read(
      "search the sent messages",
      (client) => client.getOutboundMessages({ count, offset, ...filters } as never),
      (answer) => shapes.pageOf(answer, "Messages", shapes.outboundMessage).items,
      signal,
    );
  }

  /**
   * A sent message with its events; undefined while Postmark cannot show it yet: its message
   * endpoints are eventually consistent, so a message the search just listed may still be 422/701.
   */
  getOutboundMessageDetails(messageId: string, signal?: AbortSignal): Promise<OutboundMessage | undefined> {
    return this.read(
      `read sent message ${messageId}`,
      (client) =>
        answerOr(
          client.getOutboundMessageDetails(encodeURIComponent(messageId)),
          (error) => statusOf(error) === 422 && codeOf(error) === MESSAGE_NOT_FOUND,
          NOT_YET,
        ),
      (answer) => (answer === NOT_YET ? undefined : shapes.outboundMessage(answer)),
      signal,
    );
  }
}
