import { setTimeout as sleep } from "node:timers/promises";

/** Something work passes through on its way out: a cap on work in flight, or a pace. */
export interface Gate {
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * A cap on work in flight: at most `limit` at once, the rest wait their turn in the order they
 * asked. A waiter whose signal aborts leaves the queue without ever starting.
 */
export class Limiter implements Gate {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.running;
  }

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.turn(signal);
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.queue.shift()?.();
    }
  }

  private turn(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener("abort", leave);
        this.running += 1;
        resolve();
      };
      const leave = () => {
        this.queue.splice(this.queue.indexOf(start), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", leave, { once: true });
      this.queue.push(start);
    });
  }
}

/**
 * One budget per process, shared by every connection and command: Postmark asks for reduced
 * concurrency when it answers 429 and publishes no number, so a few at once is the polite choice.
 */
export const postmarkRequests = new Limiter(8);
export const smtpHandshakes = new Limiter(4);

/** A pace: work starts at most `perSecond` times a second, in the order it asked. */
export class Pacer implements Gate {
  private lastStart = -Infinity;
  /** The turn the next caller waits for: each start is spaced from the one before as it really happened. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number,
    private readonly now = () => Date.now(),
  ) {}

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    // Spaced from the previous start as it happened, not as it was planned: a start a busy machine
    // delayed never brings the next one closer.
    const mine = this.turn.then(async () => {
      const wait = this.lastStart + 1000 / this.perSecond - this.now();
      if (wait > 0) await sleep(wait, undefined, { signal });
      signal?.throwIfAborted();
      this.lastStart = this.now();
    });
    this.turn = mine.catch(() => undefined); // a cancelled wait hands its turn on
    await mine;
    return work();
  }
}

/** Customer.io's App API allows about 10 requests a second. */
export const customerioRequests = new Pacer(10);
