/**
 * A cap on work in flight: at most `limit` at once, the rest wait their turn in the order they
 * asked. A waiter whose signal aborts leaves the queue without ever starting.
 */
export class Limiter {
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
