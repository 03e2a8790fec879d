import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { MessageStream, Webhook, WebhookTriggers } from "../postmark/types.js";
import { randomUUID } from "node:crypto";
import type { AccountState, SentMessage } from "./account.js";
import { takeFaults, type FaultRule } from "./faults.js";
import { readBody, sendJson as send } from "./http-answers.js";
import {
  callReceiver,
  HEALTHY_DELIVERIES,
  statisticsOf,
  type DeliveryCounts,
  type ReceiverRefusal,
  type VerificationResult,
} from "./webhook-receiver.js";

/**
 * A faithful stand-in for the parts of Postmark's HTTP API this tool uses (see
 * shared/reference/postmark-api.md, last section). The real `postmark` client talks to it over HTTP.
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

type TokenKind = "account" | "server";

/**
 * Postmark offers neither Bounce nor Spam Complaint on broadcast streams. What its API does when
 * asked for one there is not documented: each plausible answer is a setting, per trigger, and the
 * tests run under every one. Refusing (422/1353) is the default, as the documents suggest.
 */
export type BroadcastTriggerAnswer = "accept" | "store-false" | "reject";
export const BROADCAST_TRIGGER_ANSWERS: BroadcastTriggerAnswer[] = ["accept", "store-false", "reject"];

/**
 * The API Postmark documented before webhook verification (no `Status`, no verify or statistics
 * routes: 404), or the one it documents now. Accounts may meet either.
 */
export type ApiGeneration = "older" | "current";

/** Which form of "save it unverified" the current API honours: its error text names a query, its page a body field. */
export type VerifyOptOut = "body" | "query" | "both";

export interface SimulatorOptions {
  api?: ApiGeneration;
  broadcastBounce?: BroadcastTriggerAnswer;
  broadcastSpamComplaint?: BroadcastTriggerAnswer;
  verifyOptOut?: VerifyOptOut;
  /** How long Postmark takes before a message sent over SMTP shows in the Messages API. */
  messageDelayMs?: number;
  /** And then before its first event (Delivered, Bounced) shows. */
  eventDelayMs?: number;
  /** How much longer than the search its details route answers 701 (Postmark's message endpoints are eventually consistent). */
  detailsDelayMs?: number;
  /** A Messages API that ignores the `metadata_` filter (seen as possible; it must not fool the proof). */
  ignoreMetadataFilter?: boolean;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    /** More fields of the error body (1364 carries per-trigger results). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const notFoundStream = () => new ApiError(422, 1226, "The message stream for the provided 'ID' was not found.");
const notFoundWebhook = () => new ApiError(422, 1352, "The webhook for the provided 'ID' was not found.");
const MAX_PAGE = 500;
const MAX_WEBHOOKS_PER_STREAM = 10;
/** The Messages API searches no further back than this many messages. */
const MAX_MESSAGES_REACH = 10_000;

/** One request as the route handlers see it. */
interface Context {
  query: Record<string, string>;
  body: unknown;
  serverId?: number;
}

export class PostmarkSimulator {
  readonly requests: LoggedRequest[] = [];
  /** Added to every request's answer, in milliseconds. */
  latencyMs = 0;
  api: ApiGeneration;
  broadcastBounce: BroadcastTriggerAnswer;
  broadcastSpamComplaint: BroadcastTriggerAnswer;
  verifyOptOut: VerifyOptOut;
  /** Customer.io's URL refusing Postmark's calls for some triggers (verification and deliveries). */
  receiverRefusal?: ReceiverRefusal;
  /** Postmark's deliveries to every webhook in the last 24 hours. */
  deliveries: DeliveryCounts = { ...HEALTHY_DELIVERIES };
  messageDelayMs: number;
  eventDelayMs: number;
  detailsDelayMs: number;
  ignoreMetadataFilter: boolean;
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
    // A state saved by an older sandbox lacks what later versions added.
    state.senders ??= [];
    state.messages ??= [];
    this.api = options.api ?? "current";
    this.broadcastBounce = options.broadcastBounce ?? "reject";
    this.broadcastSpamComplaint = options.broadcastSpamComplaint ?? "reject";
    this.verifyOptOut = options.verifyOptOut ?? "both";
    this.messageDelayMs = options.messageDelayMs ?? 1_000;
    this.eventDelayMs = options.eventDelayMs ?? 1_000;
    this.detailsDelayMs = options.detailsDelayMs ?? 0;
    this.ignoreMetadataFilter = options.ignoreMetadataFilter ?? false;
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
    return this.state.webhooks
      .filter((hook) => hook.ServerID === serverId && (streamId === undefined || sameId(hook.MessageStream, streamId)))
      .map((hook) => this.publicWebhook(hook));
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
    const ctx: Context = { query, body: parseBody(rawBody) };

    const accountRoutes = new Set(["servers", "domains", "senders"]);
    const serverRoutes = new Set(["server", "message-streams", "webhooks", "messages"]);
    if (!accountRoutes.has(resource ?? "") && !serverRoutes.has(resource ?? "")) {
      throw new ApiError(404, 0, "The requested resource was not found.");
    }
    if (accountRoutes.has(resource!)) this.authenticate(headers, "account");
    else ctx.serverId = this.authenticate(headers, "server");

    if (resource === "messages") return this.messagesRoute(method, segments, ctx);
    if (action !== undefined || segments.length > 3) return this.webhookActionRoute(method, resource, segments.length, id, action, ctx);
    switch (`${method} ${resource}${id === undefined ? "" : "/:id"}`) {
      case "GET servers":
        return this.listServers(query);
      case "GET servers/:id":
        return this.findServer(Number(id));
      case "GET server":
        return this.findServer(ctx.serverId!);
      case "GET message-streams":
        return this.listStreams(ctx);
      case "GET message-streams/:id":
        return this.findStream(ctx.serverId!, rawId!);
      case "GET webhooks":
        return this.listWebhooks(ctx);
      case "POST webhooks":
        return this.createWebhook(ctx);
      case "GET webhooks/:id":
        return this.publicWebhook(this.findWebhook(ctx.serverId!, id!));
      case "PUT webhooks/:id":
        return this.editWebhook(ctx, id!);
      case "DELETE webhooks/:id":
        return this.deleteWebhook(ctx.serverId!, id!);
      case "GET domains":
        return page(query, this.state.domains, "Domains");
      case "GET domains/:id":
        return this.state.domains.find((domain) => domain.ID === Number(id)) ?? fail(422, 510, "Domain not found.");
      case "GET senders":
        return page(query, this.state.senders, "SenderSignatures");
      default:
        throw new ApiError(404, 0, "The requested resource was not found.");
    }
  }

  /** POST /webhooks/{id}/verify and GET /webhooks/{id}/statistics: the current API only. */
  private webhookActionRoute(
    method: string,
    resource: string | undefined,
    length: number,
    id: string | undefined,
    action: string | undefined,
    ctx: Context,
  ) {
    const route = `${method} ${resource}/:id/${action}`;
    if (this.api === "older" || length !== 3 || (route !== "POST webhooks/:id/verify" && route !== "GET webhooks/:id/statistics")) {
      throw new ApiError(404, 0, "The requested resource was not found.");
    }
    const hook = this.findWebhook(ctx.serverId!, id!);
    if (route === "GET webhooks/:id/statistics") return statisticsOf(hook, this.deliveries);
    const results = callReceiver(hook, this.receiverRefusal);
    const passed = results.filter((result) => result.Success).length;
    hook.Status = passed === results.length ? "verified" : "unverified";
    return {
      Id: hook.ID,
      Url: hook.Url,
      Success: passed === results.length,
      Results: results,
      Message: `${passed}/${results.length} triggers verified successfully`,
    };
  }

  /** GET /messages/outbound (search) and GET /messages/outbound/{id}/details: what Postmark has processed so far. */
  private messagesRoute(method: string, segments: string[], { serverId, query }: Context) {
    const [, kind, messageId, details] = segments.map((segment) => decodeURIComponent(segment));
    if (method !== "GET" || kind?.toLowerCase() !== "outbound") throw new ApiError(404, 0, "The requested resource was not found.");
    const now = Date.now();
    const visible = this.state.messages.filter(
      (message) => message.ServerID === serverId && Date.parse(message.ReceivedAt) + this.messageDelayMs <= now,
    );
    if (messageId === undefined) {
      if (Number(query.count) + Number(query.offset) > MAX_MESSAGES_REACH) {
        throw new ApiError(422, 400, `'count' and 'offset' together may not exceed ${MAX_MESSAGES_REACH}.`);
      }
      const metadata = this.ignoreMetadataFilter ? [] : Object.entries(query).filter(([key]) => key.startsWith("metadata_"));
      const matches = visible.filter(
        (message) =>
          (query.recipient === undefined || message.Recipients.some((to) => to.toLowerCase() === query.recipient!.toLowerCase())) &&
          (query.tag === undefined || message.Tag === query.tag) &&
          (query.messagestream === undefined || sameId(message.MessageStream, query.messagestream)) &&
          metadata.every(([key, value]) => message.Metadata[key.slice("metadata_".length)] === value),
      );
      return page(
        query,
        matches.reverse().map((message) => outboundView(message)),
        "Messages",
      );
    }
    const message = visible.find(
      (candidate) =>
        candidate.MessageID === messageId && Date.parse(candidate.ReceivedAt) + this.messageDelayMs + this.detailsDelayMs <= now,
    );
    if (!message || details?.toLowerCase() !== "details") throw new ApiError(422, 701, "This message was not found.");
    const eventDue = Date.parse(message.ReceivedAt) + this.messageDelayMs + this.eventDelayMs <= now;
    const bounced = message.Recipients.some((to) => to.toLowerCase().endsWith("@bounce-testing.postmarkapp.com"));
    const events = eventDue
      ? [
          {
            Recipient: message.Recipients[0],
            Type: bounced ? "Bounced" : "Delivered",
            ReceivedAt: new Date(Date.parse(message.ReceivedAt) + this.messageDelayMs + this.eventDelayMs).toISOString(),
            Details: {},
          },
        ]
      : [];
    return { ...outboundView(message), MessageEvents: events };
  }

  /** Checks the token header the route needs; answers the server id for server tokens. */
  private authenticate(headers: IncomingMessage["headers"], kind: TokenKind): number | undefined {
    const header = headers[kind === "account" ? "x-postmark-account-token" : "x-postmark-server-token"];
    const token = typeof header === "string" ? header : undefined;
    if (kind === "account") {
      if (token && this.state.accountTokens.includes(token)) return undefined;
    } else {
      const server = token ? this.state.servers.find((candidate) => candidate.ApiTokens.includes(token)) : undefined;
      if (server) return server.ID;
    }
    const headerName = kind === "account" ? "X-Postmark-Account-Token" : "X-Postmark-Server-Token";
    throw new ApiError(401, 10, `Request does not contain a valid ${headerName} header.`);
  }

  private listServers(query: Record<string, string>) {
    const name = (query.name ?? "").toLowerCase();
    const servers = this.state.servers.filter((server) => server.Name.toLowerCase().includes(name));
    return page(query, servers, "Servers");
  }

  private findServer(id: number) {
    return this.state.servers.find((server) => server.ID === id) ?? fail(422, 600, "Server not found.");
  }

  private streamsOf(serverId: number): MessageStream[] {
    return this.state.streams.filter((stream) => stream.ServerID === serverId);
  }

  private findStream(serverId: number, streamId: string): MessageStream {
    return this.streamsOf(serverId).find((stream) => sameId(stream.ID, streamId)) ?? fail(422, 1226, notFoundStream().message);
  }

  private listStreams({ serverId, query }: Context) {
    const type = (query.messagestreamtype ?? "all").toLowerCase();
    const includeArchived = (query.includearchivedstreams ?? "false").toLowerCase() === "true";
    const streams = this.streamsOf(serverId!).filter(
      (stream) => (type === "all" || stream.MessageStreamType.toLowerCase() === type) && (includeArchived || !stream.ArchivedAt),
    );
    return { MessageStreams: streams, TotalCount: streams.length };
  }

  private listWebhooks({ serverId, query }: Context) {
    const streamId = query.messagestream;
    if (streamId !== undefined) this.findStream(serverId!, streamId);
    return { Webhooks: this.webhooksOf(serverId!, streamId) };
  }

  private findWebhook(serverId: number, id: string) {
    const hook = this.state.webhooks.find((candidate) => candidate.ServerID === serverId && candidate.ID === Number(id));
    if (!hook) throw notFoundWebhook();
    return hook;
  }

  private createWebhook({ serverId, body, query }: Context) {
    if (!isObject(body)) throw new ApiError(422, 1355, "The request body is missing.");
    if ("ID" in body) throw new ApiError(422, 1356, "The 'ID' field is not allowed when creating a webhook.");
    this.refuseStatus(body);
    const url = validUrl(body.Url);
    const streamId = typeof body.MessageStream === "string" ? body.MessageStream : "outbound";
    const stream = this.findStream(serverId!, streamId);
    if (stream.ArchivedAt) throw new ApiError(422, 1350, "Webhooks cannot be added to an archived message stream.");
    if (stream.MessageStreamType === "Inbound") {
      throw new ApiError(422, 1351, "Webhooks cannot be added to an inbound message stream.");
    }
    if (this.webhooksOf(serverId!, stream.ID).length >= MAX_WEBHOOKS_PER_STREAM) {
      throw new ApiError(422, 1359, "This message stream already has the maximum number of webhooks.");
    }
    const triggers = this.triggersFor(stream, body.Triggers, mergeTriggers(disabledTriggers(), body.Triggers));
    const status = this.verification({ Url: url, Triggers: triggers }, true, body, query);
    const hook = {
      ID: this.state.nextWebhookId++,
      ServerID: serverId!,
      Url: url,
      MessageStream: stream.ID,
      HttpAuth: auth(body.HttpAuth),
      HttpHeaders: headersOf(body.HttpHeaders),
      Triggers: triggers,
      ...(status === undefined ? {} : { Status: status }),
    };
    this.state.webhooks.push(hook);
    return this.publicWebhook(hook);
  }

  private editWebhook({ serverId, body, query }: Context, id: string) {
    if (!isObject(body)) throw new ApiError(422, 1355, "The request body is missing.");
    if ("ID" in body || "MessageStream" in body) {
      throw new ApiError(422, 1357, "The 'ID' and 'MessageStream' fields cannot be changed.");
    }
    this.refuseStatus(body);
    const hook = this.findWebhook(serverId!, id);
    const triggers =
      "Triggers" in body
        ? this.triggersFor(this.findStream(serverId!, hook.MessageStream), body.Triggers, mergeTriggers(hook.Triggers, body.Triggers))
        : hook.Triggers;
    const url = "Url" in body ? validUrl(body.Url) : hook.Url;
    // Postmark verifies an edit that changes the URL or turns a trigger on, before saving anything.
    const turnedOn = (Object.keys(triggers) as Array<keyof WebhookTriggers>).some(
      (name) => triggers[name].Enabled && !hook.Triggers[name].Enabled,
    );
    const status = this.verification({ Url: url, Triggers: triggers }, url !== hook.Url || turnedOn, body, query);
    hook.Url = url;
    if ("HttpAuth" in body) hook.HttpAuth = auth(body.HttpAuth);
    if ("HttpHeaders" in body) hook.HttpHeaders = headersOf(body.HttpHeaders);
    hook.Triggers = triggers;
    if (status !== undefined) hook.Status = status;
    return this.publicWebhook(hook);
  }

  /** The current API refuses a write that carries `Status`; the older one ignores fields it does not know. */
  private refuseStatus(body: Record<string, unknown>): void {
    if (this.api === "current" && "Status" in body) throw new ApiError(422, 1363, "The 'Status' field cannot be set; Postmark sets it.");
  }

  /**
   * The current API calls the URL once per enabled trigger before saving, unless told not to (in
   * the form it honours): a failure refuses the write (1364) with the results. Answers the status
   * to save, or undefined where nothing changes it (the older API, or no check needed).
   */
  private verification(
    hook: Pick<Webhook, "Url" | "Triggers">,
    needed: boolean,
    body: Record<string, unknown>,
    query: Record<string, string>,
  ): Webhook["Status"] | undefined {
    if (this.api === "older" || !needed) return undefined;
    const inBody = body.Verify === false;
    const inQuery = (query.verify ?? "").toLowerCase() === "false";
    const optedOut = this.verifyOptOut === "both" ? inBody || inQuery : this.verifyOptOut === "body" ? inBody : inQuery;
    if (optedOut) return "unverified";
    const results: VerificationResult[] = callReceiver(hook, this.receiverRefusal);
    if (results.every((result) => result.Success)) return "verified";
    throw new ApiError(
      422,
      1364,
      "Webhook verification failed; nothing was saved. Fix the endpoint and retry, or send '?verify=false' to save it unverified.",
      { Url: hook.Url, Success: false, Results: results },
    );
  }

  /**
   * Bounce or Spam Complaint asked on (in the body) on a broadcast stream: accepted, quietly stored
   * off, or refused, as set for each. One already on and not mentioned is left as it is.
   */
  private triggersFor(stream: MessageStream, asked: unknown, triggers: WebhookTriggers): WebhookTriggers {
    if (stream.MessageStreamType !== "Broadcasts") return triggers;
    const result = structuredClone(triggers);
    const answers = { Bounce: this.broadcastBounce, SpamComplaint: this.broadcastSpamComplaint } as const;
    for (const name of ["Bounce", "SpamComplaint"] as const) {
      if (!askedOn(asked, name) || answers[name] === "accept") continue;
      if (answers[name] === "reject") throw new ApiError(422, 1353, "The webhook trigger is not supported on this message stream.");
      result[name].Enabled = false;
    }
    return result;
  }

  /** A webhook as the API shows it: the older API has no `Status`. */
  private publicWebhook(hook: Webhook & { ServerID?: number }): Webhook {
    const { ServerID: _serverId, Status, ...rest } = hook;
    const shown = { ...rest, HttpAuth: rest.HttpAuth ?? { Username: "", Password: "" } };
    // A webhook seeded without a status predates verification: played as one Postmark accepted.
    return structuredClone(this.api === "older" ? shown : { ...shown, Status: Status ?? "verified" });
  }

  private deleteWebhook(serverId: number, id: string) {
    const hook = this.findWebhook(serverId, id);
    this.state.webhooks = this.state.webhooks.filter((candidate) => candidate !== hook);
    return { ErrorCode: 0, Message: `Webhook ${hook.ID} removed.` };
  }
}

/** Stream ids and query enums are matched case-insensitively, as the real API does. */
function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function fail(status: number, code: number, message: string): never {
  throw new ApiError(status, code, message);
}

function page<T>(query: Record<string, string>, items: T[], key: string) {
  const count = Number(query.count);
  const offset = Number(query.offset);
  if (query.count === undefined || query.offset === undefined || !Number.isInteger(count) || !Number.isInteger(offset)) {
    throw new ApiError(422, 400, "The 'count' and 'offset' parameters are required.");
  }
  if (count < 1 || count > MAX_PAGE || offset < 0) {
    throw new ApiError(422, 400, `'count' must be between 1 and ${MAX_PAGE}, and 'offset' at least 0.`);
  }
  return { TotalCount: items.length, [key]: items.slice(offset, offset + count) };
}

function validUrl(value: unknown): string {
  if (typeof value !== "string" || !/^https?:\/\/[^\s/]+/i.test(value)) {
    throw new ApiError(422, 1354, "The 'Url' field is missing or not a valid URL.");
  }
  return value;
}

function auth(value: unknown): Webhook["HttpAuth"] {
  if (!isObject(value)) return null;
  const username = typeof value.Username === "string" ? value.Username : "";
  const password = typeof value.Password === "string" ? value.Password : "";
  return username === "" && password === "" ? null : { Username: username, Password: password };
}

function headersOf(value: unknown): Webhook["HttpHeaders"] {
  if (!Array.isArray(value)) return [];
  return value.map((header) => {
    if (!isObject(header) || typeof header.Name !== "string" || header.Name === "") {
      throw new ApiError(422, 1358, "Each HTTP header needs a 'Name'.");
    }
    return { Name: header.Name, Value: typeof header.Value === "string" ? header.Value : "" };
  });
}

function disabledTriggers(): WebhookTriggers {
  return {
    Open: { Enabled: false, PostFirstOpenOnly: false },
    Click: { Enabled: false },
    Delivery: { Enabled: false },
    Bounce: { Enabled: false, IncludeContent: false },
    SpamComplaint: { Enabled: false, IncludeContent: false },
    SubscriptionChange: { Enabled: false },
  };
}

/** A trigger (or sub-field) left out keeps its current value. */
function mergeTriggers(current: WebhookTriggers, update: unknown): WebhookTriggers {
  const merged = structuredClone(current) as unknown as Record<string, Record<string, boolean>>;
  if (!isObject(update)) return current;
  for (const [name, fields] of Object.entries(update)) {
    const trigger = Object.keys(merged).find((key) => key.toLowerCase() === name.toLowerCase());
    if (!trigger || !isObject(fields)) continue;
    for (const [field, value] of Object.entries(fields)) {
      const key = Object.keys(merged[trigger]!).find((candidate) => candidate.toLowerCase() === field.toLowerCase());
      if (key && typeof value === "boolean") merged[trigger]![key] = value;
    }
  }
  return merged as unknown as WebhookTriggers;
}

function outboundView(message: SentMessage) {
  const { ServerID: _serverId, ...rest } = message;
  return { ...rest, Status: "Sent", Sandboxed: false };
}

/** Whether a write's `Triggers` asks for this trigger on (names matched case-insensitively). */
function askedOn(asked: unknown, name: string): boolean {
  if (!isObject(asked)) return false;
  const entry = Object.entries(asked).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return isObject(entry) && Object.entries(entry).some(([key, value]) => key.toLowerCase() === "enabled" && value === true);
}

/** Postmark answers 415 to a request without `Accept: application/json`, or a body without its `Content-Type`. */
function acceptsJson(headers: IncomingMessage["headers"], rawBody: string): boolean {
  const json = (value: string | undefined) => (value ?? "").toLowerCase().includes("application/json");
  return json(headers.accept) && (rawBody === "" || json(headers["content-type"]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseBody(raw: string): unknown {
  if (raw.trim() === "" || raw.trim() === "null") return null;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(422, 402, "The request body is not valid JSON.");
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How many rounds of requests a run waited for one after another: the longest chain of requests
 * in which each started only after the one before it had finished.
 */
export function sequentialRounds(requests: Pick<LoggedRequest, "startedAt" | "finishedAt">[]): number {
  const sorted = [...requests].sort((a, b) => a.finishedAt - b.finishedAt);
  const depth: number[] = [];
  sorted.forEach((request, i) => {
    let best = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.finishedAt <= request.startedAt) best = Math.max(best, depth[j]!);
    depth.push(best + 1);
  });
  return Math.max(0, ...depth);
}
