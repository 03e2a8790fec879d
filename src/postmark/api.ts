import type { AccountClient, ServerClient } from "postmark";
import type { PostmarkEndpoint } from "./base-url.js";
import { mapPostmarkError, type TokenKind } from "./errors.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry.js";
import type { Domain, MessageStream, Server, Webhook, WebhookBody } from "./types.js";

/**
 * The only module that talks to the `postmark` client. Reads are retried on transient failures;
 * writes are not (see webhook-writer.ts for how they are repeated safely). Every error leaves as a
 * CliError with a message a person can act on.
 */

export interface PostmarkSettings {
  endpoint: PostmarkEndpoint;
  /** Deadline for one request. */
  timeoutMs: number;
  retry?: RetryPolicy;
}

export const PAGE_SIZE = 500;
/** How many pages of a big account are fetched at once. */
const PAGE_CONCURRENCY = 8;

function clientOptions(settings: PostmarkSettings) {
  return {
    useHttps: settings.endpoint.useHttps,
    requestHost: settings.endpoint.requestHost,
    timeout: settings.timeoutMs / 1000,
  };
}

abstract class PostmarkApi<Client> {
  private client?: Promise<Client>;

  protected constructor(
    protected readonly token: string,
    protected readonly settings: PostmarkSettings,
    private readonly kind: TokenKind,
  ) {}

  protected abstract createClient(): Promise<Client>;

  private getClient(): Promise<Client> {
    this.client ??= this.createClient();
    return this.client;
  }

  /** A read: retried when Postmark or the network stumbles. */
  protected read<T>(action: string, call: (client: Client) => Promise<T>): Promise<T> {
    return this.call(action, (client) => withRetry(() => call(client), this.settings.retry ?? DEFAULT_RETRY));
  }

  /** A write: tried once; the caller decides whether it is safe to repeat. */
  protected write<T>(action: string, call: (client: Client) => Promise<T>): Promise<T> {
    return this.call(action, call);
  }

  private async call<T>(action: string, call: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await call(await this.getClient());
    } catch (error) {
      throw mapPostmarkError(error, { action, token: this.kind, baseUrl: this.settings.endpoint.url });
    }
  }
}

export class AccountApi extends PostmarkApi<AccountClient> {
  constructor(token: string, settings: PostmarkSettings) {
    super(token, settings, "account");
  }

  protected async createClient() {
    const { AccountClient } = await import("postmark");
    return new AccountClient(this.token, clientOptions(this.settings));
  }

  /** Every server (optionally only those whose name contains `name`). */
  async listServers(name?: string): Promise<Server[]> {
    const pages = await fetchAllPages((offset) =>
      this.read("list your servers", (client) => client.getServers({ count: PAGE_SIZE, offset, name })),
    );
    return pages.flatMap((page) => page.Servers as unknown as Server[]);
  }

  async getServer(id: number): Promise<Server> {
    return (await this.read(`read server ${id}`, (client) => client.getServer(id))) as unknown as Server;
  }

  async listDomains(): Promise<Domain[]> {
    const pages = await fetchAllPages((offset) =>
      this.read("list your sending domains", (client) => client.getDomains({ count: PAGE_SIZE, offset })),
    );
    return pages.flatMap((page) => page.Domains as unknown as Domain[]);
  }
}

export class ServerApi extends PostmarkApi<ServerClient> {
  constructor(token: string, settings: PostmarkSettings) {
    super(token, settings, "server");
  }

  protected async createClient() {
    const { ServerClient } = await import("postmark");
    return new ServerClient(this.token, clientOptions(this.settings));
  }

  async getServer(): Promise<Server> {
    return (await this.read("read the server", (client) => client.getServer())) as unknown as Server;
  }

  async listStreams(): Promise<MessageStream[]> {
    const answer = await this.read("list the message streams", (client) =>
      client.getMessageStreams({ messageStreamType: "All", includeArchivedStreams: true } as never),
    );
    return answer.MessageStreams as unknown as MessageStream[];
  }

  async getStream(id: string): Promise<MessageStream> {
    return (await this.read(`read message stream "${id}"`, (client) => client.getMessageStream(id))) as unknown as MessageStream;
  }

  async listWebhooks(streamId: string): Promise<Webhook[]> {
    const answer = await this.read(`list the webhooks of stream "${streamId}"`, (client) =>
      client.getWebhooks({ messageStream: streamId }),
    );
    return answer.Webhooks as unknown as Webhook[];
  }

  async getWebhook(id: number): Promise<Webhook> {
    return (await this.read(`read webhook ${id}`, (client) => client.getWebhook(id))) as unknown as Webhook;
  }

  async createWebhook(body: WebhookBody): Promise<Webhook> {
    return (await this.write("create the webhook", (client) => client.createWebhook(body as never))) as unknown as Webhook;
  }

  async editWebhook(id: number, body: WebhookBody): Promise<Webhook> {
    const { MessageStream: _stream, ...editable } = body;
    return (await this.write(`update webhook ${id}`, (client) => client.editWebhook(id, editable as never))) as unknown as Webhook;
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.write(`delete webhook ${id}`, (client) => client.deleteWebhook(id));
  }
}

/** The first page says how many there are; the rest are then fetched at once (capped). */
async function fetchAllPages<P extends { TotalCount: number }>(fetchPage: (offset: number) => Promise<P>): Promise<P[]> {
  const first = await fetchPage(0);
  const offsets: number[] = [];
  for (let offset = PAGE_SIZE; offset < first.TotalCount; offset += PAGE_SIZE) offsets.push(offset);
  return [first, ...(await mapConcurrently(offsets, PAGE_CONCURRENCY, fetchPage))];
}

/** Like Promise.all over `items.map(work)`, with at most `limit` in flight; results keep their order. */
async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
