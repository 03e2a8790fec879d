import { AsyncLocalStorage } from "node:async_hooks";
import { CliError } from "../errors.js";
import type { Gate } from "./limiter.js";
import { RATE_LIMIT_BACKOFF, sendPolitely, type BackoffPolicy } from "./backoff.js";
import { traceBody, type Trace } from "../trace.js";
import { namedNetworkFailure } from "./network-failure.js";
import { routedFetch, type ProxySettings } from "./proxy.js";

/**
 * The `fetch` the postmark client uses: it never follows a redirect (a token must never travel to
 * another origin), caps the size of an answer, lets a group of requests be cancelled, and writes
 * the exchange to the trace. It keeps within the process's cap on requests in flight and waits out
 * a 429. The client turns anything thrown here into a plain network error, so the real reason
 * travels beside it, in the request's slot.
 */

export interface RequestSlot {
  /** Set when this module refused an answer: the error to report instead of the client's. */
  refusal?: CliError;
  /** Cancels the request (the rest of a listing after one page failed). */
  signal?: AbortSignal;
  /** The answer's body as Postmark sent it: the client keeps only ErrorCode and Message of an error. */
  answer?: string;
}

export const requestSlots = new AsyncLocalStorage<RequestSlot>();

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

function refuse(slot: RequestSlot | undefined, error: CliError): never {
  if (slot) slot.refusal = error;
  throw error;
}

/** Whose API a guarded fetch talks to: its name in errors, and where its address is set. */
export interface Service {
  code: "postmark" | "customerio";
  name: string;
  urlVariables: string;
  host: string;
}

export const POSTMARK_SERVICE: Service = {
  code: "postmark",
  name: "Postmark",
  urlVariables: "POSTMARK_API_URL",
  host: "api.postmarkapp.com",
};

export interface FetchOptions {
  service: Service;
  trace?: Trace;
  /**
   * Deadline for one try, counted from when it is sent: time spent waiting for a place under the
   * cap, or out a 429, is not the request's fault. (The client's own timeout would count both.)
   */
  timeoutMs?: number;
  maxBytes?: number;
  /** The process-wide cap (or pace) this service's requests keep within. */
  limiter: Gate;
  backoff?: BackoffPolicy;
  /** The proxy the environment names (see proxy.ts); direct when absent. */
  proxy?: ProxySettings;
}

export function guardedFetch({
  service,
  trace,
  timeoutMs,
  maxBytes = MAX_RESPONSE_BYTES,
  limiter,
  backoff = RATE_LIMIT_BACKOFF,
  proxy,
}: FetchOptions): typeof fetch {
  return async (input, init = {}) => {
    const slot = requestSlots.getStore();
    const url = new URL(String(input));
    const outer = eitherSignal([init.signal, slot?.signal].filter((signal): signal is AbortSignal => Boolean(signal)));
    const send = async () => {
      const perTry = eitherSignal(
        [outer.signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter((signal): signal is AbortSignal =>
          Boolean(signal),
        ),
      );
      try {
        return await exchange(url, { ...init, signal: perTry.signal }, slot, { service, trace, maxBytes, proxy });
      } finally {
        perTry.release();
      }
    };
    try {
      return await sendPolitely(limiter, send, backoff, outer.signal);
    } finally {
      outer.release();
    }
  };
}

/** One request and its answer, read whole (up to the cap) while the request's signals still apply. */
async function exchange(
  url: URL,
  init: RequestInit,
  slot: RequestSlot | undefined,
  { service, trace, maxBytes, proxy }: { service: Service; trace?: Trace; maxBytes: number; proxy?: ProxySettings },
): Promise<Response> {
  const started = Date.now();
  let response: Response;
  try {
    response = await (proxy ? routedFetch(proxy) : fetch)(url, { ...init, redirect: "manual" });
  } catch (error) {
    const named = namedNetworkFailure(error, url, service, proxy);
    if (named) refuse(slot, named);
    throw error;
  }
  const record = (status: number, body: string | undefined) => {
    try {
      trace?.record({
        kind: "http",
        service: service.code,
        method: init.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        status,
        ms: Date.now() - started,
        requestBody: traceBody(typeof init.body === "string" ? init.body : undefined),
        responseBody: traceBody(body),
      });
    } catch (error) {
      // A trace that cannot be written stops the run at once, as itself, not as a network failure.
      if (error instanceof CliError) refuse(slot, error);
      throw error;
    }
  };

  if (response.status >= 300 && response.status < 400) {
    record(response.status, undefined);
    const location = response.headers.get("location");
    let where = "no Location header";
    try {
      if (location) where = new URL(location, url).host;
    } catch {
      where = "an unreadable Location";
    }
    refuse(
      slot,
      new CliError(
        `${service.code}_redirect`,
        `The ${service.name} API at ${url.host} answered ${response.status}, a redirect to ${where}. It was not followed: your token ` +
          `was not sent there.`,
        {
          hint: `${service.name}'s API never redirects. Check ${service.urlVariables} and any proxy between you and ${service.host}.`,
        },
      ),
    );
  }

  const body = await readCapped(response, maxBytes);
  if (body === undefined) {
    record(response.status, `(more than ${maxBytes} bytes, not read)`);
    refuse(
      slot,
      new CliError(
        `${service.code}_response_too_large`,
        `The ${service.name} API at ${url.host} sent an answer larger than ${Math.round(maxBytes / 1024 / 1024)} MB; it was not read.`,
        {
          hint:
            `No real ${service.name} answer is that large: check ${service.urlVariables} and any proxy, and run with --trace FILE ` +
            `to report it.`,
        },
      ),
    );
  }
  record(response.status, body);
  if (slot) slot.answer = body;
  return new Response(body === "" ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Aborts when any of the signals does (AbortSignal.any, which Node has only since 20.3). Its
 * listeners go once the request is over: a listing's shared cancel signal would otherwise gather
 * one per page, and Node prints a leak warning past ten.
 */
function eitherSignal(signals: AbortSignal[]): { signal?: AbortSignal; release(): void } {
  if (signals.length < 2) return { signal: signals[0], release: () => undefined };
  const either = new AbortController();
  const removals = signals.map((signal) => {
    const forward = () => either.abort(signal.reason);
    if (signal.aborted) forward();
    else signal.addEventListener("abort", forward);
    return () => signal.removeEventListener("abort", forward);
  });
  return { signal: either.signal, release: () => removals.forEach((remove) => remove()) };
}

/** The body as text, or undefined once it grows past `maxBytes` (the rest is never read). */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
