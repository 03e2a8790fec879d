import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Webhook } from "../../core/model.js";
import { randomUUID } from "node:crypto";
import type { AccountState, SentMessage } from "../account.js";
import { takeFaults, type FaultRule } from "../faults.js";
import { readBody, sendJson as send } from "../http-answers.js";
import { ApiError, jsonOrText, notFound, parseBody, sameId } from "./answers.js";
import { messagesRoute } from "./message-routes.js";
import { editServer, suppressionsRoute } from "./suppression-routes.js";
import { authenticate, findDomain, findServer, findStream, listDomains, listSenders, listServers, listStreams } from "./server-routes.js";
import { DOCUMENTED_POSTMARK, type RouteContext, type SimulatedPostmark, type SimulatorOptions } from "./state.js";
import { createWebhook, deleteWebhook, editWebhook, getWebhook, listWebhooks, webhookActionRoute, webhooksOf } from "./webhook-routes.js";
import { deliversEvents, HEALTHY_DELIVERIES, type DeliveryCounts, type ReceiverRefusal, type TriggerName } from "./webhook-receiver.js";

/**
 * A faithful stand-in for the parts of Postmark's HTTP API this tool uses, as Postmark's API
 * documents and its webhook guide describe them. The real `postmark` client talks to it over HTTP:
 * this file is the HTTP shell (logging, faults, content types) and the router; the routes live
 * beside it, one file per resource.
 */

export interface LoggedRequest {
  index: number;
  method: string;
  /** Path as sent, without the query. */
  path: string;
  query: Record<string, string>;
  /** The request body as sent (parsed where it is JSON). */
  body?: unknown;
  /** Every header as sent, for tests that prove what never reaches Postmark. */
  rawHeaders: string[];
  status: number | "dropped" | "hung";
  startedAt: number;
  finishedAt: number;
}

// The settings' fields come from SimulatedPostmark's `Required<SimulatorOptions>`, set in the constructor.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface PostmarkSimulator extends Required<SimulatorOptions> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class PostmarkSimulator implements SimulatedPostmark {
  readonly requests: LoggedRequest[] = [];
  /** Added to every request's answer, in milliseconds. */
  latencyMs = 0;
  /** Customer.io's URL refusing Postmark's calls for some triggers (verification and deliveries). */
  receiverRefusal?: ReceiverRefusal;
  /** Postmark's deliveries to every webhook in the last 24 hours. */
  deliveries: DeliveryCounts = { ...HEALTHY_DELIVERIES };
  deliveriesByTrigger: Partial<Record<TriggerName, DeliveryCounts>> = {};
  /** Requests being answered now, and the most there ever were at once: what a client's cap is judged by. */
  inFlight = 0;
  peakInFlight = 0;
  private faults: FaultRule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly http: HttpServer;
  private port = 0;

  constructor(
    public state: AccountState,
    options: SimulatorOptions = {},
  ) {
    const given = Object.entries(options).filter(([, value]) => value !== undefined);
    Object.assign(this, DOCUMENTED_POSTMARK, Object.fromEntries(given));
    this.http = createServer((request, response) => void this.handle(request, response));
    this.http.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(state: AccountState, options: SimulatorOptions = {}): Promise<PostmarkSimulator> {
    const simulator = new PostmarkSimulator(state, options);
    await new Promise<void>((resolve) => simulator.http.listen(0, "127.0.0.1", resolve));
    simulator.port = (simulator.http.address() as AddressInfo).port;
    return simulator;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  injectFault(rule: FaultRule): void {
    this.faults.push(rule);
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Requests that changed something (POST, PUT, DELETE). */
  get writes(): LoggedRequest[] {
    return this.requests.filter((request) => request.method !== "GET");
  }

  webhooksOf(serverId: number, streamId?: string): Webhook[] {
    return webhooksOf(this, serverId, streamId);
  }

  /** Postmark pausing a trigger that keeps failing: it is marked unverified, and its events stop until it passes verification. */
  pauseTrigger(webhookId: number, trigger: TriggerName): void {
    const hook = this.state.webhooks.find((candidate) => candidate.ID === webhookId);
    if (!hook) throw new Error(`no webhook ${webhookId}`);
    hook.TriggerStatuses = { ...hook.TriggerStatuses, [trigger]: "unverified" };
  }

  /** Whether Postmark sends this trigger's events from the stream to a webhook whose URL `accepts`: on, and verified. */
  forwardsEvents(serverId: number, streamId: string, trigger: TriggerName, accepts: (url: string) => boolean): boolean {
    return this.state.webhooks.some(
      (hook) => hook.ServerID === serverId && sameId(hook.MessageStream, streamId) && accepts(hook.Url) && deliversEvents(hook, trigger),
    );
  }

  /** What the simulated SMTP server hands over: a message, on the stream its token belongs to. */
  recordMessage(message: Omit<SentMessage, "MessageID" | "ReceivedAt">): SentMessage {
    const recorded = { ...message, MessageID: randomUUID(), ReceivedAt: new Date().toISOString() };
    this.state.messages.push(recorded);
    return recorded;
  }

  /** Whether a server may send from this address: a confirmed sender signature, or a domain with DKIM verified. */
  acceptsSender(address: string): boolean {
    const lower = address.toLowerCase();
    const domain = lower.split("@")[1] ?? "";
    return (
      this.state.senders.some((sender) => sender.Confirmed && sender.EmailAddress.toLowerCase() === lower) ||
      this.state.domains.some((candidate) => candidate.DKIMVerified && candidate.Name.toLowerCase() === domain)
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const url = new URL(request.url ?? "/", "http://simulator");
    const method = (request.method ?? "GET").toUpperCase();
    const entry: LoggedRequest = {
      index: this.requests.length,
      method,
      path: url.pathname,
      query: Object.fromEntries([...url.searchParams].map(([key, value]) => [key.toLowerCase(), value])),
      rawHeaders: request.rawHeaders,
      status: 0,
      startedAt,
      finishedAt: startedAt,
    };
    this.requests.push(entry);
    this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
    const rawBody = await readBody(request);
    if (rawBody !== "") entry.body = jsonOrText(rawBody);
    const faults = takeFaults(this.faults, entry);
    const delay = this.latencyMs + faults.reduce((sum, fault) => sum + (fault.kind === "latency" ? fault.ms : 0), 0);
    if (delay > 0) await sleep(delay);
    const finish = (status: LoggedRequest["status"]) => {
      entry.status = status;
      entry.finishedAt = Date.now();
      this.inFlight -= 1;
    };

    const fault = faults.find((candidate) => candidate.kind !== "latency");
    if (fault?.kind === "hang") return finish("hung");
    if (fault?.kind === "drop") {
      request.socket.destroy();
      return finish("dropped");
    }
    if (fault?.kind === "status") {
      const message = fault.status === 429 ? "Rate limit exceeded." : "Internal server error.";
      if (fault.retryAfter !== undefined) response.setHeader("Retry-After", fault.retryAfter);
      return finish(send(response, fault.status, { ErrorCode: fault.status === 429 ? 429 : 0, Message: message }));
    }
    if (!acceptsJson(request.headers, rawBody)) {
      return finish(
        send(response, 415, {
          ErrorCode: 0,
          Message: "Send 'Accept: application/json', and 'Content-Type: application/json' with a body.",
        }),
      );
    }
    if (fault?.kind === "answer") {
      response.writeHead(fault.status, { "Content-Type": "application/json; charset=utf-8", ...fault.headers });
      response.end(fault.body);
      return finish(fault.status);
    }

    let status: number;
    let payload: unknown;
    try {
      payload = this.route(method, url.pathname, entry.query, request.headers, rawBody);
      status = 200;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      payload = { ErrorCode: error.errorCode, Message: error.message, ...error.extra };
    }
    if (fault?.kind === "lose-response") {
      request.socket.destroy();
      return finish("dropped");
    }
    finish(send(response, status, payload));
  }

  /** Routes and query keys are matched case-insensitively; ids keep their case. */
  private route(
    method: string,
    path: string,
    query: Record<string, string>,
    headers: IncomingMessage["headers"],
    rawBody: string,
  ): unknown {
    const segments = path.replace(/\/+$/, "").split("/").filter(Boolean);
    const resource = segments[0]?.toLowerCase();
    const rawId = segments[1] === undefined ? undefined : decodeURIComponent(segments[1]);
    const id = rawId?.toLowerCase();
    const action = segments[2]?.toLowerCase();
    const ctx: RouteContext = { query, body: parseBody(rawBody) };

    const accountRoutes = new Set(["servers", "domains", "senders"]);
    const serverRoutes = new Set(["server", "message-streams", "webhooks", "messages"]);
    if (!accountRoutes.has(resource ?? "") && !serverRoutes.has(resource ?? "")) throw notFound();
    if (accountRoutes.has(resource!)) authenticate(this, headers, "account");
    else ctx.serverId = authenticate(this, headers, "server");

    if (resource === "messages") return messagesRoute(this, method, segments, ctx);
    if (resource === "message-streams" && action === "suppressions") return suppressionsRoute(this, method, segments, ctx);
    if (action !== undefined || segments.length > 3) return webhookActionRoute(this, method, resource, segments.length, id, action, ctx);
    switch (`${method} ${resource}${id === undefined ? "" : "/:id"}`) {
      case "GET servers":
        return listServers(this, query);
      case "GET servers/:id":
        return findServer(this, Number(id));
      case "GET server":
        return findServer(this, ctx.serverId!);
      case "PUT servers/:id":
        return editServer(this, { ...ctx, serverId: Number(id) });
      case "GET message-streams":
        return listStreams(this, ctx);
      case "GET message-streams/:id":
        return findStream(this, ctx.serverId!, rawId!);
      case "GET webhooks":
        return listWebhooks(this, ctx);
      case "POST webhooks":
        return createWebhook(this, ctx);
      case "GET webhooks/:id":
        return getWebhook(this, ctx.serverId!, id!);
      case "PUT webhooks/:id":
        return editWebhook(this, ctx, id!);
      case "DELETE webhooks/:id":
        return deleteWebhook(this, ctx.serverId!, id!);
      case "GET domains":
        return listDomains(this, query);
      case "GET domains/:id":
        return findDomain(this, Number(id));
      case "GET senders":
        return listSenders(this, query);
      default:
        throw notFound();
    }
  }
}

/** Postmark answers 415 to a request without `Accept: application/json`, or a body without its `Content-Type`. */
function acceptsJson(headers: IncomingMessage["headers"], rawBody: string): boolean {
  const json = (value: string | undefined) => (value ?? "").toLowerCase().includes("application/json");
  return json(headers.accept) && (rawBody === "" || json(headers["content-type"]));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
