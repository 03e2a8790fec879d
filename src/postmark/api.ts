import type { AccountClient, ServerClient } from "postmark";
import { CliError } from "../errors.js";
import { mapConcurrently } from "../core/concurrency.js";
import type { Trace } from "../trace.js";
import type { PostmarkEndpoint } from "./base-url.js";
import { mapPostmarkError, type TokenKind } from "./errors.js";
import { guardedFetch, requestSlots, type RequestSlot } from "./http.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry.js";
import * as shapes from "./shapes.js";
import type { Domain, MessageStream, OutboundMessage, SenderSignature, Server, Webhook, WebhookBody } from "./types.js";

/**
 * The only module that talks to the `postmark` client. Reads are retried on transient failures;
 * writes are not (see webhook-writer.ts for how they are repeated safely). Every answer is checked
 * for the fields this tool uses, and every error leaves as a CliError a person can act on.
 */

export interface PostmarkSettings {
  endpoint: PostmarkEndpoint;
  /** Deadline for one request. */
  timeoutMs: number;
  retry?: RetryPolicy;
  trace?: Trace;
}

export const PAGE_SIZE = 500;
/** How many pages of a big account are fetched at once. */
const PAGE_CONCURRENCY = 8;
/** No real account comes near this; a TotalCount beyond it is a bad answer, not a reason to send thousands of requests. */
const MAX_LISTED = 100_000;

function clientOptions(settings: PostmarkSettings) {
  return {
    useHttps: settings.endpoint.useHttps,
    requestHost: settings.endpoint.requestHost,
    timeout: settings.timeoutMs / 1000,
    fetch: guardedFetch(settings.trace),
  };
}

abstract class PostmarkApi<Client> {
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
  protected read<T>(action: string, call: (client: Client) => Promise<unknown>, shape: (answer: unknown) => T, signal?: AbortSignal): Promise<T> {
    return this.call(action, (client) => withRetry(() => this.attempt(client, call, signal), this.settings.retry ?? DEFAULT_RETRY), shape);
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
      throw error;
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
  protected async listAll<T>(action: string, fetchPage: (client: Client, offset: number) => Promise<unknown>, key: string, item: (value: unknown) => T): Promise<T[]> {
    const page = (offset: number, signal?: AbortSignal) => this.read(action, (client) => fetchPage(client, offset), (answer) => shapes.pageOf(answer, key, item), signal);
    const first = await page(0);
    if (first.items.length < PAGE_SIZE) return first.items;
    if (first.total > MAX_LISTED) throw shapes.badResponse(action, `it counts ${first.total} items, more than the ${MAX_LISTED} this tool reads`);
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

export class AccountApi extends PostmarkApi<AccountClient> {
  constructor(token: string, settings: PostmarkSettings, source = "POSTMARK_ACCOUNT_TOKEN") {
    super(token, settings, "account", source);
  }

  protected async createClient() {
    const { AccountClient } = await import("postmark");
    return new AccountClient(this.token, clientOptions(this.settings));
  }

  /** Every server (optionally only those whose name contains `name`). */
  listServers(name?: string): Promise<Server[]> {
    return this.listAll("list your servers", (client, offset) => client.getServers({ count: PAGE_SIZE, offset, name }), "Servers", shapes.server);
  }

  getServer(id: number): Promise<Server> {
    return this.read(`read server ${id}`, (client) => client.getServer(id), shapes.server);
  }

  /** Whether Postmark takes this as an account token: one small request. */
  async accepted(): Promise<boolean> {
    await this.read("check the account token", (client) => client.getServers({ count: 1, offset: 0 }), (answer) => shapes.pageOf(answer, "Servers", shapes.server));
    return true;
  }

  listDomains(): Promise<Domain[]> {
    return this.listAll("list your sending domains", (client, offset) => client.getDomains({ count: PAGE_SIZE, offset }), "Domains", shapes.domain);
  }

  listSenderSignatures(): Promise<SenderSignature[]> {
    return this.listAll("list your sender signatures", (client, offset) => client.getSenderSignatures({ count: PAGE_SIZE, offset }), "SenderSignatures", shapes.senderSignature);
  }
}

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
    return this.read(`read message stream "${id}"`, (client) => client.getMessageStream(id), shapes.stream);
  }

  listWebhooks(streamId: string): Promise<Webhook[]> {
    return this.read(`list the webhooks of stream "${streamId}"`, (client) => client.getWebhooks({ messageStream: streamId }), shapes.webhooks);
  }

  getWebhook(id: number): Promise<Webhook> {
    return this.read(`read webhook ${id}`, (client) => client.getWebhook(id), shapes.webhook);
  }

  createWebhook(body: WebhookBody): Promise<Webhook> {
    return this.write("create the webhook", (client) => client.createWebhook(body as never), shapes.webhook);
  }

  editWebhook(id: number, body: WebhookBody): Promise<Webhook> {
    const { MessageStream: _stream, ...editable } = body;
    return this.write(`update webhook ${id}`, (client) => client.editWebhook(id, editable as never), shapes.webhook);
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.write(`delete webhook ${id}`, (client) => client.deleteWebhook(id), () => undefined);
  }

  /** Outbound messages matching the filters (recipient, tag, messagestream, metadata_<key>), newest first: one page. */
  searchOutboundMessages(filters: Record<string, string>): Promise<OutboundMessage[]> {
    return this.read(
      "search the sent messages",
      (client) => client.getOutboundMessages({ count: 50, offset: 0, ...filters } as never),
      (answer) => shapes.pageOf(answer, "Messages", shapes.outboundMessage).items,
    );
  }

  getOutboundMessageDetails(messageId: string): Promise<OutboundMessage> {
    return this.read(`read sent message ${messageId}`, (client) => client.getOutboundMessageDetails(messageId), shapes.outboundMessage);
  }
}
