import { isTransient } from "./errors.js";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  tries: number;
  baseDelayMs: number;
  /** No new try starts after this much time has gone since the first. */
  maxTotalMs: number;
}

// With the 10 s request timeout, a Postmark that hangs costs at most about 20 s before a clear error.
export const DEFAULT_RETRY: RetryPolicy = { tries: 4, baseDelayMs: 250, maxTotalMs: 15_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, for requests that are safe to repeat (reads). */
export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = Math.random() * policy.baseDelayMs * 2 ** (attempt - 1);
      const outOfTime = Date.now() - started + delay > policy.maxTotalMs;
      if (!isTransient(error) || attempt >= policy.tries || outOfTime) throw error;
      await sleep(delay);
    }
  }
}
