import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { REGIONS, regionOfUrl, type Region } from "../core/regions.js";
import { takeFaults, type FaultRule } from "./faults.js";
import { readBody, sendJson } from "./http-answers.js";
import type { PostmarkSimulator } from "./postmark/simulator.js";

/**
 * The parts of Customer.io's App API this tool uses, one HTTP server per region, sharing the Postmark
 * simulator's world: an email sent through it goes out over real SMTP with the workspace's custom
 * SMTP credentials (a Postmark SMTP token) and lands on that token's stream; its Bounced or Delivered
 * event reaches the workspace only when that stream's Postmark webhook points at the workspace's own
 * region URL with the trigger on.
 */

export interface CustomerIoWorkspace {
  id: number;
  name: string;
  region: Region;
  apiKey: string;
  /** The custom SMTP server set up in the workspace (Postmark's SMTP token), or none. */
  smtp: { accessKey: string; secretKey: string } | null;
  /** People the workspace knows, with the deliveries it made to them (as its message list shows them). */
  people?: CustomerIoPerson[];
}

export interface CustomerIoPerson {
  email: string;
  id: string | null;
  cio_id: string;
  deliveries: Array<{ id: string; subject: string; recipient: string; created: number; metrics: Record<string, number>; type: "email" }>;
}

export interface CustomerIoSimulatorOptions {
  postmark: PostmarkSimulator;
  /** Where Postmark's SMTP server really listens here, and the certificate to trust for it. */
  smtp: { port: number; ca: string };
  /** From the send request to the SMTP delivery (Customer.io's queue). */
  processingMs?: number;
  /** Switch: Customer.io never matches Postmark's events to its deliveries, whatever the webhook. */
  matchEvents?: boolean;
  /**
   * How long a fresh delivery answers 404 before GET /v1/messages/{id} finds it. Customer.io's own CLI
   * treats that 404 as "not yet"; whether the App API does the same is not documented: 0 plays "found at once".
   */
  indexDelayMs?: number;
  /** What Customer.io does with the email instead of sending it, where it does not send: drop it, or call it undeliverable. */
  outcome?: DeliveryOutcome;
  /**
   * How Customer.io records Postmark's Bounce event on the delivery: not documented. Its `bounced` metric
   * (the word of its metric vocabulary), or a failure after sending, with the bounce as its failure message.
   */
  bounceRecord?: BounceRecord;
}

export type DeliveryOutcome = "send" | "dropped" | "undeliverable";
export type BounceRecord = "bounced" | "failed" | "undeliverable";
/** What the failure message says of a bounce, where Customer.io records one as a failure. */
const BOUNCE_FAILURE = "550 5.1.1 The email account that you tried to reach does not exist.";

interface DeliveryRecord {
  id: string;
  workspace: CustomerIoWorkspace;
  to: string;
  from: string;
  subject: string;
  created: number;
  sentAt?: number;
  failure?: string;
  /** Customer.io kept the email back: the metric it records instead of `sent`. */
  notSent?: Exclude<DeliveryOutcome, "send">;
  postmarkMessageId?: string;
}

export interface CustomerIoRequest {
  index: number;
  region: Region;
  method: string;
  path: string;
  authorization: string | undefined;
  status: number;
}

const unixSeconds = (ms: number) => Math.floor(ms / 1000);
const errors = (status: number, detail: string) => ({ errors: [{ detail, status: String(status) }] });

export class CustomerIoSimulator {
  readonly requests: CustomerIoRequest[] = [];
  readonly deliveries = new Map<string, DeliveryRecord>();
  readonly urls = {} as Record<Region, string>;
  processingMs: number;
  matchEvents: boolean;
  indexDelayMs: number;
  outcome: DeliveryOutcome;
  bounceRecord: BounceRecord;
  private faults: FaultRule[] = [];
  private readonly servers: HttpServer[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly workspaces: CustomerIoWorkspace[],
    private readonly options: CustomerIoSimulatorOptions,
  ) {
    this.processingMs = options.processingMs ?? 1_000;
    this.matchEvents = options.matchEvents ?? true;
    this.indexDelayMs = options.indexDelayMs ?? 0;
    this.outcome = options.outcome ?? "send";
    this.bounceRecord = options.bounceRecord ?? "bounced";
  }

  static async start(workspaces: CustomerIoWorkspace[], options: CustomerIoSimulatorOptions): Promise<CustomerIoSimulator> {
    const simulator = new CustomerIoSimulator(workspaces, options);
    for (const region of REGIONS) {
      const server = createServer((request, response) => void simulator.handle(region, request, response));
      server.on("connection", (socket) => {
        simulator.sockets.add(socket);
        socket.on("close", () => simulator.sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      simulator.servers.push(server);
      simulator.urls[region] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    return simulator;
  }

  /** The environment that points the tool at this simulator. */
  get env(): NodeJS.ProcessEnv {
    return { CUSTOMERIO_API_URL_US: this.urls.us, CUSTOMERIO_API_URL_EU: this.urls.eu };
  }

  injectFault(rule: FaultRule): void {
    this.faults.push(rule);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private async handle(region: Region, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://customerio");
    const method = (request.method ?? "GET").toUpperCase();
    const authorization = typeof request.headers.authorization === "string" ? request.headers.authorization : undefined;
    const entry: CustomerIoRequest = { index: this.requests.length, region, method, path: url.pathname, authorization, status: 0 };
    this.requests.push(entry);
    const body = await readBody(request);
    const [fault] = takeFaults(this.faults, { method, path: url.pathname, query: {}, index: entry.index });
    if (fault?.kind === "hang") return; // no answer, ever: the client's deadline decides
    if (fault?.kind === "answer") {
      response.writeHead(fault.status, { "Content-Type": "application/json", ...fault.headers });
      response.end(fault.body);
      entry.status = fault.status;
      return;
    }
    if (fault?.kind === "status") {
      entry.status = sendJson(
        response,
        fault.status,
        errors(fault.status, fault.status === 429 ? "rate limited to 10 requests per 1s" : "internal error"),
        fault.retryAfter ? { "Retry-After": fault.retryAfter } : {},
      );
      return;
    }
    const key = authorization?.match(/^Bearer (.+)$/)?.[1];
    // A key is scoped to one workspace, and a workspace lives in one region: the other host refuses it.
    const workspace = this.workspaces.find((candidate) => candidate.apiKey === key && candidate.region === region);
    if (!workspace) {
      entry.status = sendJson(response, 401, errors(401, "Unauthorized request"));
      return;
    }
    const [status, payload] = this.route(workspace, method, url.pathname, body, url.searchParams);
    entry.status = sendJson(response, status, payload);
  }

  private route(workspace: CustomerIoWorkspace, method: string, path: string, rawBody: string, query: URLSearchParams): [number, unknown] {
    if (method === "GET" && path === "/v1/customers") {
      // Decoded as a query is: an unencoded "+" arrives as a space and finds nobody, without an error (as Customer.io warns).
      const email = (query.get("email") ?? "").toLowerCase();
      const found = (workspace.people ?? []).filter((person) => person.email.toLowerCase() === email);
      return [200, { results: found.map(({ email: address, id, cio_id }) => ({ email: address, id, cio_id })) }];
    }
    const personId = method === "GET" ? path.match(/^\/v1\/customers\/([^/]+)\/messages$/)?.[1] : undefined;
    if (personId !== undefined) {
      const idType = query.get("id_type") ?? "id";
      if (idType !== "id" && idType !== "cio_id") return [400, errors(400, `id_type ${idType} is not an identifier in this workspace`)];
      const wanted = decodeURIComponent(personId);
      const person = (workspace.people ?? []).find((candidate) => (idType === "cio_id" ? candidate.cio_id : candidate.id) === wanted);
      if (!person) return [404, errors(404, "The customer_id does not exist.")];
      return [200, { messages: [...person.deliveries].sort((a, b) => b.created - a.created), next: "" }];
    }
    if (method === "GET" && path === "/v1/workspaces") {
      const sent = [...this.deliveries.values()].filter((delivery) => delivery.workspace === workspace && delivery.sentAt).length;
      return [
        200,
        {
          workspaces: [
            {
              id: workspace.id,
              name: workspace.name,
              messages_sent: sent,
              billable_messages_sent: sent,
              people: 1,
              objects: 0,
              object_types: 0,
            },
          ],
        },
      ];
    }
    if (method === "POST" && path === "/v1/send/email") return this.sendEmail(workspace, rawBody);
    const messageId = method === "GET" ? path.match(/^\/v1\/messages\/([^/]+)$/)?.[1] : undefined;
    if (messageId !== undefined) {
      const delivery = this.deliveries.get(decodeURIComponent(messageId));
      const indexed = delivery && Date.now() >= delivery.created + this.indexDelayMs;
      if (!delivery || !indexed || delivery.workspace !== workspace) return [404, errors(404, "message not found")];
      return [200, { message: this.messageView(delivery) }];
    }
    return [404, errors(404, "not found")];
  }

  private sendEmail(workspace: CustomerIoWorkspace, rawBody: string): [number, unknown] {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      return [400, { meta: { error: "invalid JSON" } }];
    }
    const { to, from, subject, identifiers } = body;
    if (
      typeof to !== "string" ||
      typeof from !== "string" ||
      typeof subject !== "string" ||
      typeof body.body !== "string" ||
      typeof identifiers !== "object" ||
      identifiers === null
    ) {
      return [400, { meta: { error: "to, from, subject, body and identifiers are required" } }];
    }
    const id = randomBytes(18).toString("base64url");
    const delivery: DeliveryRecord = { id, workspace, to, from, subject, created: Date.now() };
    this.deliveries.set(id, delivery);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(delivery, body.body as string);
    }, this.processingMs);
    this.timers.add(timer);
    return [200, { delivery_id: id, queued_at: unixSeconds(delivery.created) }];
  }

  /** Customer.io's own SMTP client, with the workspace's custom SMTP credentials. */
  private async deliver(delivery: DeliveryRecord, text: string): Promise<void> {
    if (this.outcome !== "send") {
      delivery.notSent = this.outcome;
      return;
    }
    const smtp = delivery.workspace.smtp;
    if (!smtp) {
      delivery.failure = "No custom SMTP server is set up for this workspace's email.";
      return;
    }
    const { createTransport } = await import("nodemailer");
    const transport = createTransport({
      host: "127.0.0.1",
      port: this.options.smtp.port,
      secure: false,
      requireTLS: true,
      auth: { user: smtp.accessKey, pass: smtp.secretKey },
      tls: { ca: [this.options.smtp.ca], servername: "smtp.postmarkapp.com" },
    });
    try {
      await transport.sendMail({ from: delivery.from, to: delivery.to, subject: delivery.subject, text });
      delivery.sentAt = Date.now();
      const landed = this.options.postmark.state.messages.findLast((message) => message.Subject === delivery.subject);
      delivery.postmarkMessageId = landed?.MessageID;
    } catch (error) {
      delivery.failure = `SMTP error from the custom SMTP server: ${(error as { response?: string }).response ?? (error as Error).message}`;
    } finally {
      transport.close();
    }
  }

  private messageView(delivery: DeliveryRecord) {
    const metrics: Record<string, number> = { created: unixSeconds(delivery.created) };
    if (delivery.failure) metrics.failed = unixSeconds(delivery.created + this.processingMs);
    if (delivery.notSent) metrics[delivery.notSent] = unixSeconds(delivery.created + this.processingMs);
    if (delivery.sentAt) metrics.sent = unixSeconds(delivery.sentAt);
    const event = this.matchedEvent(delivery);
    if (event) metrics[event.metric] = unixSeconds(event.at);
    const bounceFailure = event?.metric === "failed" || event?.metric === "undeliverable" ? BOUNCE_FAILURE : null;
    return {
      id: delivery.id,
      type: "email",
      recipient: delivery.to,
      subject: delivery.subject,
      created: unixSeconds(delivery.created),
      failure_message: delivery.failure ?? bounceFailure,
      campaign_id: null,
      action_id: null,
      newsletter_id: null,
      broadcast_id: null,
      deduplicate_id: `${delivery.id}:1`,
      forgotten: false,
      metrics,
    };
  }

  /** Postmark's event for the message, if it is due and the stream's webhook brings it to this workspace's region. */
  private matchedEvent(delivery: DeliveryRecord): { metric: BounceRecord | "delivered"; at: number } | undefined {
    const postmark = this.options.postmark;
    const message = postmark.state.messages.find((candidate) => candidate.MessageID === delivery.postmarkMessageId);
    if (!message || !this.matchEvents) return undefined;
    const at = Date.parse(message.ReceivedAt) + postmark.messageDelayMs + postmark.eventDelayMs;
    if (at > Date.now()) return undefined;
    const bounced = message.Recipients.some((to) => to.toLowerCase().endsWith("@bounce-testing.postmarkapp.com"));
    const trigger = bounced ? "Bounce" : "Delivery";
    // Postmark sends an event only to a webhook whose trigger is on and verified: an unverified webhook, or a paused trigger, gets none.
    const forwarded = postmark.forwardsEvents(
      message.ServerID,
      message.MessageStream,
      trigger,
      (url) => regionOfUrl(url) === delivery.workspace.region,
    );
    return forwarded ? { metric: bounced ? this.bounceRecord : "delivered", at } : undefined;
  }
}
