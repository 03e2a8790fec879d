/**
 * The one retry loop and the one jitter formula, for both kinds of second try: a read that failed
 * in passing (see withRetry) and a 429 waited out at the fetch (see backoff.ts).
 */

/** A try's outcome: what it answered, or what it threw. */
export type Outcome<T> = { value: T } | { error: unknown };

/** Full jitter: a random wait from 0 up to `baseDelayMs` doubled for each try already made. */
export function fullJitter(attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  return random() * baseDelayMs * 2 ** (attempt - 1);
}

/** Tries `work` until `waitBefore` answers no wait for the next try; then answers (or throws) the last outcome. */
export async function retryLoop<T>(
  work: () => Promise<T>,
  waitBefore: (outcome: Outcome<T>, attempt: number) => number | undefined,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let outcome: Outcome<T>;
    try {
      outcome = { value: await work() };
    } catch (error) {
      outcome = { error };
    }
    const wait = waitBefore(outcome, attempt);
    if (wait === undefined) {
      if ("error" in outcome) throw outcome.error;
      return outcome.value;
    }
    await pause(wait, signal);
  }
}

/** Waits `ms`, or rejects as an aborted fetch does once `signal` aborts. (Global timers, so tests' fake clocks drive it.) */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new DOMException("This operation was aborted", "AbortError");
    if (signal?.aborted) return reject(aborted());
    const stop = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  tries: number;
  baseDelayMs: number;
  /** No new try starts after this much time has gone since the first. */
  maxTotalMs: number;
}

// With the 10 s request timeout, a service that hangs costs at most about 20 s before a clear error.
export const DEFAULT_RETRY: RetryPolicy = { tries: 4, baseDelayMs: 250, maxTotalMs: 15_000 };

/** Exponential backoff with full jitter, for requests that are safe to repeat (reads) and failures the caller calls transient. */
export function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy, isTransient: (error: unknown) => boolean): Promise<T> {
  const started = Date.now();
  return retryLoop(work, (outcome, attempt) => {
    if (!("error" in outcome)) return undefined;
    const delay = fullJitter(attempt, policy.baseDelayMs);
    const outOfTime = Date.now() - started + delay > policy.maxTotalMs;
    return !isTransient(outcome.error) || attempt >= policy.tries || outOfTime ? undefined : delay;
  });
}
