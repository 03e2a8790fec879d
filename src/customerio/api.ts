import { parseApiOrigin } from "../core/api-origin.js";
import { customerioRequests } from "../http/limiter.js";
import { RATE_LIMIT_BACKOFF, type BackoffPolicy } from "../http/backoff.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../http/retry.js";
import { REGIONS, type Region } from "../core/regions.js";
import { CliError } from "../errors.js";
import type { ProxySettings } from "../http/proxy.js";
import { guardedFetch, type Service } from "../http/guarded-fetch.js";
import type { Trace } from "../trace.js";
import { shown } from "../ui/terminal-safe.js";

/**
 * Customer.io's App API, for what this tool needs of it: which workspace (and so which region) a key
 * belongs to, one transactional email, and what became of it. The key travels only to the two
 * regions' hosts (or their loopback stand-ins), paced at Customer.io's 10 requests a second.
 */

export const CUSTOMERIO_SERVICE: Service = {
  code: "customerio",
  name: "Customer.io",
  urlVariables: "CUSTOMERIO_API_URL_US and CUSTOMERIO_API_URL_EU",
  host: "api.customer.io",
};

export const CUSTOMERIO_KEY_HELP =
  "Create one in Customer.io: Account Settings > API Credentials > App API Keys, and set CUSTOMERIO_APP_API_KEY.";

const DEFAULT_ORIGINS: Record<Region, string> = { us: "https://api.customer.io", eu: "https://api-eu.customer.io" };
const ORIGIN_VARIABLES: Record<Region, string> = { us: "CUSTOMERIO_API_URL_US", eu: "CUSTOMERIO_API_URL_EU" };
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Customer.io's error words are shown up to this long. */
const MAX_DETAIL = 300;

export function parseCustomerIoOrigins(env: NodeJS.ProcessEnv): Record<Region, string> {
  const origin = (region: Region) =>
    parseApiOrigin(env[ORIGIN_VARIABLES[region]], {
      variable: ORIGIN_VARIABLES[region],
      defaultUrl: DEFAULT_ORIGINS[region],
      secrets: "your Customer.io App API key",
    }).origin;
  return { us: origin("us"), eu: origin("eu") };
}

export interface CustomerIoSettings {
  origins: Record<Region, string>;
  timeoutMs: number;
  trace?: Trace;
  rateLimit?: BackoffPolicy;
  /** The proxy the environment names; direct when absent. */
  proxy?: ProxySettings;
  /** How reads are tried again after a 5xx or a timeout (tests make it quick); a send is never tried twice. */
  retry?: RetryPolicy;
  /** Masks every secret the run knows in a text: Customer.io's own words pass it before they are cut to length. */
  redact?: (text: string) => string;
}

/** An answer Customer.io gave that was not a success: its status decides whether a read is worth trying again. */
class CustomerIoAnswerError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    hint: string,
  ) {
    super(code, message, { hint });
  }
}

/** 5xx, 408, and no answer in time or at all: a read may pass if tried again, as Postmark's reads are. */
function isTransient(error: unknown): boolean {
  if (error instanceof CustomerIoAnswerError) return error.status >= 500 || error.status === 408;
  return error instanceof CliError && (error.code === "customerio_timeout" || error.code === "customerio_unreachable");
}

export interface Workspace {
  id: string;
  name: string;
  region: Region;
}

/** One delivery as Customer.io reports it; `metrics` holds unix times of what has happened. */
export interface Delivery {
  id: string;
  failureMessage: string | null;
  metrics: Partial<Record<"sent" | "delivered" | "bounced" | "failed" | "undeliverable" | "dropped" | "spammed", number>>;
}

/**
 * Postmark's event as Customer.io recorded it on a delivery it sent: a metric stamped at or after the
 * sending. How Customer.io records Postmark's Bounce is not documented: its `bounced` metric (its metric
 * vocabulary's word), or a failure after sending (`failed`, `undeliverable`); each is read as the bounce,
 * for nothing but the mail server's report fails an email Customer.io has already handed over.
 */
export function eventRecorded(metrics: Partial<Record<string, number>>, sent: number): "Bounced" | "Delivered" | undefined {
  const since = (name: string) => (metrics[name] ?? -Infinity) >= sent;
  if (["bounced", "failed", "undeliverable"].some(since)) return "Bounced";
  return since("delivered") ? "Delivered" : undefined;
}

/** A delivery of Customer.io's to one person, as their message list shows it: `created` and the metrics in unix seconds. */
export interface PersonDelivery {
  id: string;
  subject: string | null;
  recipient: string | null;
  created: number;
  metrics: Record<string, number>;
}

/** How many people Customer.io finds for an address (each is read: a workspace may hold two), and their recent deliveries. */
export interface RecipientRecord {
  people: number;
  deliveries: PersonDelivery[];
}

/** People are read up to this many per address, and each one's last deliveries up to this many. */
const MAX_PEOPLE = 3;
const DELIVERIES_PER_PERSON = 25;

export interface EmailToSend {
  to: string;
  from: string;
  subject: string;
  body: string;
}

export class CustomerIoApi {
  private readonly fetch: typeof fetch;

  constructor(
    private readonly key: string,
    private readonly settings: CustomerIoSettings,
  ) {
    this.fetch = guardedFetch({
      service: CUSTOMERIO_SERVICE,
      trace: settings.trace,
      timeoutMs: settings.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      limiter: customerioRequests,
      backoff: settings.rateLimit ?? RATE_LIMIT_BACKOFF,
      proxy: settings.proxy,
    });
  }

  /**
   * The key's workspace, and so its region: each region's host is asked in turn (the `preferred`
   * one first, as --region says), and only a workspace found ends the search. A 401 means "not
   * this host"; a host that cannot answer (a timeout, a 5xx, a 403) does not stop the other from
   * being asked, and is what is reported if neither finds the workspace.
   */
  async workspace(preferred?: Region): Promise<Workspace> {
    const order = preferred ? [preferred, ...REGIONS.filter((region) => region !== preferred)] : [...REGIONS];
    let unanswered: CliError | undefined;
    for (const region of order) {
      let answer: { status: number; body: unknown };
      try {
        answer = await this.request(region, "GET", "/v1/workspaces", undefined, "read your workspace");
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        unanswered ??= error;
        continue;
      }
      if (answer.status === 401) continue;
      const workspaces = (answer.body as { workspaces?: unknown }).workspaces;
      const first = Array.isArray(workspaces) ? (workspaces[0] as { id?: unknown; name?: unknown } | undefined) : undefined;
      if (!first || (typeof first.id !== "number" && typeof first.id !== "string") || typeof first.name !== "string") {
        throw badAnswer("read your workspace", "it names no workspace");
      }
      return { id: String(first.id), name: first.name, region };
    }
    if (unanswered) throw unanswered;
    throw new CliError(
      "customerio_unauthorized",
      "Customer.io accepted the App API key on neither region's host (api.customer.io, api-eu.customer.io).",
      {
        hint: `Check CUSTOMERIO_APP_API_KEY: it must be an App API key (not a Track API key). ${CUSTOMERIO_KEY_HELP}`,
      },
    );
  }

  /** POST /v1/send/email; without a transactional message ID, Customer.io files the metrics under message 1. */
  async sendEmail(region: Region, email: EmailToSend): Promise<string> {
    const action = "send the test email";
    let answer: { status: number; body: unknown };
    try {
      answer = await this.request(region, "POST", "/v1/send/email", { ...email, identifiers: { email: email.to } }, action);
    } catch (error) {
      // No answer is not a no: Customer.io may have taken the email before the line went quiet.
      if (error instanceof CliError && error.code === "customerio_timeout") {
        throw new CliError(error.code, error.message, {
          hint:
            `Customer.io may have accepted it all the same: an email may already be on its way to ${email.to}, so running again ` +
            `sends a second one. Look in Customer.io's Deliveries & Activity first.`,
          cause: error,
        });
      }
      throw error;
    }
    const id = (answer.body as { delivery_id?: unknown }).delivery_id;
    // Any id that is safe in a path once encoded (standard base64 has + and /): printable ASCII, no spaces.
    const usable = typeof id === "string" && /^[\x21-\x7e]{1,200}$/.test(id) && !/^\.+$/.test(id);
    if (!usable) throw badAnswer(action, "it has no usable delivery_id");
    return id;
  }

  /**
   * The people with this address, and their recent deliveries. The address is percent-encoded whole:
   * Customer.io finds nobody for an unencoded `+` and says nothing (its own documents warn of it).
   */
  async recipient(region: Region, email: string): Promise<RecipientRecord> {
    const read = (path: string, action: string) =>
      withRetry(() => this.request(region, "GET", path, undefined, action), this.settings.retry ?? DEFAULT_RETRY, isTransient);
    const found = await read(`/v1/customers?email=${encodeURIComponent(email)}`, "find the person by email");
    const results = (found.body as { results?: unknown }).results;
    if (!Array.isArray(results)) throw badAnswer("find the person by email", "it has no results list");
    const ids = results.flatMap((person: { cio_id?: unknown }) => (typeof person?.cio_id === "string" ? [person.cio_id] : []));
    const lists = await Promise.all(
      ids.slice(0, MAX_PEOPLE).map(async (id) => {
        const path = `/v1/customers/${encodeURIComponent(id)}/messages?id_type=cio_id&limit=${DELIVERIES_PER_PERSON}`;
        const answer = await read(path, "read the person's deliveries");
        const messages = (answer.body as { messages?: unknown }).messages;
        if (!Array.isArray(messages)) throw badAnswer("read the person's deliveries", "it has no messages list");
        return messages.flatMap(personDelivery);
      }),
    );
    return { people: results.length, deliveries: lists.flat().sort((a, b) => b.created - a.created) };
  }

  /**
   * The delivery as Customer.io reports it now; undefined while it answers 404, as it may for a
   * moment after the send (Customer.io's own CLI treats that as "not yet"). Tried again on a 5xx or
   * a timeout, like Postmark's reads.
   */
  async delivery(region: Region, id: string, signal?: AbortSignal): Promise<Delivery | undefined> {
    const action = "read the test email's delivery";
    const path = `/v1/messages/${encodeURIComponent(id)}`;
    const read = () => this.request(region, "GET", path, undefined, action, { notYet: 404, signal });
    // Not again once the caller's deadline has passed: a 429's wait is cut short by it too.
    const transient = (error: unknown) => !signal?.aborted && isTransient(error);
    const answer = await withRetry(read, this.settings.retry ?? DEFAULT_RETRY, transient);
    if (answer.status === 404) return undefined;
    const message = (answer.body as { message?: { failure_message?: unknown; metrics?: unknown } }).message;
    if (typeof message !== "object" || message === null) throw badAnswer(action, "it has no message");
    const metrics: Delivery["metrics"] = {};
    if (typeof message.metrics === "object" && message.metrics !== null) {
      for (const [name, value] of Object.entries(message.metrics))
        if (typeof value === "number" && Number.isFinite(value)) metrics[name as keyof Delivery["metrics"]] = value;
    }
    const failure = typeof message.failure_message === "string" && message.failure_message.trim() !== "" ? message.failure_message : null;
    return { id, failureMessage: failure, metrics };
  }

  /** One request; any answer but 2xx is an error, except a 401 to the workspace read (the other region may take the key). */
  private async request(
    region: Region,
    method: string,
    path: string,
    body: object | undefined,
    action: string,
    { notYet, signal }: { notYet?: number; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: unknown }> {
    const url = `${this.settings.origins[region]}${path}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.key}`,
          Accept: "application/json",
          ...(body ? { "Content-Type": "application/json" } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal,
      });
    } catch (error) {
      if (error instanceof CliError) throw error;
      const timedOut = error instanceof Error && /timeout|aborted/i.test(`${error.name} ${error.message}`);
      throw new CliError(
        timedOut ? "customerio_timeout" : "customerio_unreachable",
        `${timedOut ? "Customer.io did not answer in time" : "Could not reach Customer.io"} at ${new URL(url).host} (while trying to ` +
          `${action}).`,
        {
          hint: "Check your connection and any proxy, then run the command again.",
          cause: error,
        },
      );
    }
    const text = await response.text();
    let parsed: unknown = {};
    try {
      parsed = text === "" ? {} : JSON.parse(text);
    } catch {
      if (response.ok) throw badAnswer(action, "it is not JSON");
    }
    if (response.ok) return { status: response.status, body: parsed ?? {} };
    if (response.status === 401 && path === "/v1/workspaces") return { status: 401, body: parsed };
    if (response.status === notYet) return { status: notYet, body: parsed };
    throw answerError(response.status, parsed, action, this.settings.redact ?? String);
  }
}

/** One entry of a person's message list; one without an id or a creation time is not one this tool can match. */
function personDelivery(value: unknown): PersonDelivery[] {
  const entry = value as { id?: unknown; subject?: unknown; recipient?: unknown; created?: unknown; metrics?: unknown; type?: unknown };
  if (typeof entry?.id !== "string" || typeof entry.created !== "number" || (entry.type !== undefined && entry.type !== "email")) return [];
  const metrics: Record<string, number> = {};
  if (typeof entry.metrics === "object" && entry.metrics !== null)
    for (const [name, at] of Object.entries(entry.metrics)) if (typeof at === "number" && Number.isFinite(at)) metrics[name] = at;
  const text = (field: unknown) => (typeof field === "string" ? field : null);
  return [{ id: entry.id, subject: text(entry.subject), recipient: text(entry.recipient), created: entry.created, metrics }];
}

/** Customer.io's own words, from `{"errors": [{"detail"}]}` or `{"meta": {"error"}}`, made safe to show. */
function detailOf(body: unknown, redact: (text: string) => string): string | undefined {
  const errors = (body as { errors?: Array<{ detail?: unknown }> } | undefined)?.errors;
  const detail = Array.isArray(errors) ? errors.map((error) => error?.detail).find((value) => typeof value === "string") : undefined;
  const meta = (body as { meta?: { error?: unknown } } | undefined)?.meta?.error;
  const words = typeof detail === "string" ? detail : typeof meta === "string" ? meta : undefined;
  // Masked first, then cut: a cut through a secret would print the part before it.
  return words === undefined ? undefined : shown(redact(words)).slice(0, MAX_DETAIL);
}

function answerError(status: number, body: unknown, action: string, redact: (text: string) => string): CliError {
  const detail = detailOf(body, redact);
  const said = detail ? `: ${detail}` : "";
  if (status === 401 || status === 403) {
    return new CustomerIoAnswerError(
      status,
      "customerio_unauthorized",
      `Customer.io refused the App API key (while trying to ${action})${said}.`,
      `The key may lack the scope to send or read messages. ${CUSTOMERIO_KEY_HELP}`,
    );
  }
  if (status === 429) {
    return new CustomerIoAnswerError(
      status,
      "customerio_rate_limited",
      `Customer.io is rate-limiting requests (while trying to ${action})${said}.`,
      "Wait a minute and run the command again.",
    );
  }
  return new CustomerIoAnswerError(
    status,
    "customerio_error",
    `Customer.io answered ${status} (while trying to ${action})${said}.`,
    "Run again with --trace FILE to see the exchange.",
  );
}

function badAnswer(action: string, problem: string): CliError {
  return new CliError("customerio_bad_response", `Customer.io's answer could not be used (while trying to ${action}): ${problem}.`, {
    hint: "Check CUSTOMERIO_API_URL_US / CUSTOMERIO_API_URL_EU and any proxy, and run with --trace FILE to report it.",
  });
}
