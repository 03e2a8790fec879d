import type { Gate } from "./limiter.js";
import { fullJitter, retryLoop } from "./retry.js";

/** How a 429 is waited out: full jitter, doubling from the base, a few tries in all. */
export interface BackoffPolicy {
  /** Tries in all, the first included. */
  tries: number;
  baseDelayMs: number;
  /** No single wait is longer, whatever Retry-After asks (a hostile or broken header must not hang the run). */
  maxDelayMs: number;
  random?: () => number;
}

export const RATE_LIMIT_BACKOFF: BackoffPolicy = { tries: 4, baseDelayMs: 1_000, maxDelayMs: 60_000 };

interface Answer {
  status: number;
  headers: { get(name: string): string | null };
}

/** The wait after the `attempt`-th try was answered 429: what Retry-After says (seconds or a date), else full jitter. */
export function backoffDelay(attempt: number, retryAfter: string | null, policy: BackoffPolicy, now = Date.now()): number {
  const asked = retryAfterMs(retryAfter, now);
  const delay = asked ?? fullJitter(attempt, policy.baseDelayMs, policy.random);
  return Math.min(delay, policy.maxDelayMs);
}

function retryAfterMs(value: string | null, now: number): number | undefined {
  const text = value?.trim() ?? "";
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  // Only the HTTP date form (RFC 9110's IMF-fixdate): Date.parse would take almost anything.
  const date = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sends within the limiter's cap, and waits out a 429 without holding a place in it (so the others
 * go on). The last 429 is returned as it came, for the caller to report.
 */
export function sendPolitely<A extends Answer>(
  limiter: Gate,
  send: () => Promise<A>,
  policy: BackoffPolicy,
  signal?: AbortSignal,
): Promise<A> {
  return retryLoop(
    () => limiter.run(send, signal),
    (outcome, attempt) => {
      if (!("value" in outcome) || outcome.value.status !== 429 || attempt >= policy.tries) return undefined;
      return backoffDelay(attempt, outcome.value.headers.get("retry-after"), policy);
    },
    signal,
  );
}
