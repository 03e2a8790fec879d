import { describe, expect, it } from "vitest";
import { Limiter, Pacer, customerioRequests, postmarkRequests, smtpHandshakes } from "../../src/http/limiter.js";
import { backoffDelay, sendPolitely, type BackoffPolicy } from "../../src/http/backoff.js";

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Work the test ends by hand, counting what is in flight. */
function gates() {
  const started: number[] = [];
  const open = new Map<number, () => void>();
  let inFlight = 0;
  let peak = 0;
  const work = (id: number) => () =>
    new Promise<number>((resolve) => {
      started.push(id);
      peak = Math.max(peak, ++inFlight);
      open.set(id, () => {
        inFlight -= 1;
        resolve(id);
      });
    });
  return { started, open, work, peak: () => peak };
}

describe("Limiter", () => {
  it.each([
    [1, 5],
    [4, 20],
    [8, 200],
  ])("with a cap of %i, never more than that in flight over %i tasks", async (cap, tasks) => {
    const limiter = new Limiter(cap);
    const { started, open, work, peak } = gates();
    const all = Promise.all(Array.from({ length: tasks }, (_, id) => limiter.run(work(id))));
    await settle();
    expect(started).toHaveLength(cap);
    while (open.size > 0) {
      const [id, finish] = open.entries().next().value!;
      open.delete(id);
      finish();
      await settle();
    }
    expect(await all).toEqual(Array.from({ length: tasks }, (_, id) => id));
    expect(peak()).toBe(cap);
    expect(limiter.inFlight).toBe(0);
  });

  it("starts waiters in the order they asked, whichever running task ends first", async () => {
    const limiter = new Limiter(2);
    const { started, open, work } = gates();
    const all = [0, 1, 2, 3, 4].map((id) => limiter.run(work(id)));
    await settle();
    expect(started).toEqual([0, 1]);
    open.get(1)!();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    open.get(0)!();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const id of [2, 3]) open.get(id)!();
    await settle();
    open.get(4)!();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
  });

  it("frees the place of a task that fails", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(limiter.inFlight).toBe(0);
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it("a waiter cancelled in the queue never starts and leaves its place to the next", async () => {
    const limiter = new Limiter(1);
    const { started, open, work } = gates();
    const first = limiter.run(work(0));
    const cancel = new AbortController();
    const cancelled = limiter.run(work(1), cancel.signal);
    const third = limiter.run(work(2));
    await settle();
    cancel.abort(new Error("stopped"));
    await expect(cancelled).rejects.toThrow("stopped");
    open.get(0)!();
    await settle();
    expect(started).toEqual([0, 2]);
    open.get(2)!();
    expect(await Promise.all([first, third])).toEqual([0, 2]);
    expect(limiter.inFlight).toBe(0);
  });

  it("a signal that aborts after its work has started changes nothing in the queue", async () => {
    const limiter = new Limiter(1);
    const { started, open, work } = gates();
    const cancel = new AbortController();
    const first = limiter.run(work(0), cancel.signal);
    const second = limiter.run(work(1));
    const third = limiter.run(work(2));
    await settle();
    cancel.abort(new Error("too late"));
    for (const id of [0, 1, 2]) {
      await settle();
      open.get(id)!();
    }
    expect(await Promise.all([first, second, third])).toEqual([0, 1, 2]);
    expect(started).toEqual([0, 1, 2]);
  });

  it("a waiter's signal that aborts after its turn came leaves the others waiting in order", async () => {
    const limiter = new Limiter(1);
    const { started, open, work } = gates();
    const cancel = new AbortController();
    const first = limiter.run(work(0));
    const second = limiter.run(work(1), cancel.signal);
    const third = limiter.run(work(2));
    const fourth = limiter.run(work(3));
    await settle();
    open.get(0)!(); // the second gets its turn...
    await settle();
    cancel.abort(new Error("too late")); // ...and its signal aborts while it runs: nobody leaves the queue
    for (const id of [1, 2, 3]) {
      await settle();
      open.get(id)!();
    }
    expect(await Promise.all([first, second, third, fourth])).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("refuses at once a signal that has already aborted, without taking a place", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => "ran", AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
    expect(limiter.inFlight).toBe(0);
  });

  it("one budget per process: 8 Postmark requests and 4 SMTP handshakes", () => {
    expect(postmarkRequests.limit).toBe(8);
    expect(smtpHandshakes.limit).toBe(4);
  });
});

const answer = (status: number, retryAfter?: string) => ({
  status,
  headers: new Headers(retryAfter === undefined ? {} : { "retry-after": retryAfter }),
});

describe("backoffDelay", () => {
  const policy: BackoffPolicy = { tries: 4, baseDelayMs: 1_000, maxDelayMs: 60_000, random: () => 0.5 };
  const now = Date.parse("2026-11-29T12:00:00Z");
  it.each([
    ["full jitter, 1 s base: try 1", 1, null, 500],
    ["doubling: try 2", 2, null, 1_000],
    ["doubling: try 3", 3, null, 2_000],
    ["Retry-After in seconds", 1, "7", 7_000],
    ["Retry-After 0", 3, "0", 0],
    ["Retry-After as a date", 1, "Sun, 29 Nov 2026 12:00:05 GMT", 5_000],
    ["Retry-After in the past", 1, "Sun, 29 Nov 2026 11:00:00 GMT", 0],
    ["Retry-After beyond the cap", 1, "86400", 60_000],
    ["Retry-After unreadable: jitter", 2, "soon-ish 12", 1_000],
    ["Retry-After a date in another form: jitter", 2, "2026-11-29T12:00:05Z", 1_000],
    ["Retry-After with spaces around it", 1, " 7 ", 7_000],
    ["Retry-After a date with something before it: jitter", 1, "x Sun, 29 Nov 2026 12:00:05 GMT", 500],
    ["Retry-After a date with something after it: jitter", 1, "Sun, 29 Nov 2026 12:00:05 GMT x", 500],
    ["Retry-After negative: jitter", 1, "-5", 500],
  ] as const)("%s", (_name, attempt, retryAfter, expected) => {
    expect(backoffDelay(attempt, retryAfter, policy, now)).toBe(expected);
  });

  it("draws the jitter over the whole window: 0 up to base x 2^(try-1)", () => {
    expect(backoffDelay(3, null, { ...policy, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, null, { ...policy, random: () => 0.999 })).toBeCloseTo(3_996);
  });
});

describe("sendPolitely under a 429 storm", () => {
  const fast: BackoffPolicy = { tries: 4, baseDelayMs: 5, maxDelayMs: 50 };

  it("tries four times in all, then hands back the last 429", async () => {
    let calls = 0;
    const result = await sendPolitely(new Limiter(8), async () => (calls++, answer(429)), fast);
    expect(result.status).toBe(429);
    expect(calls).toBe(4);
  });

  it("40 requests, the first 30 answers 429: every request ends 200, at most 8 in flight", async () => {
    const limiter = new Limiter(8);
    let answered = 0;
    let inFlight = 0;
    let peak = 0;
    const send = async () => {
      peak = Math.max(peak, ++inFlight);
      await settle();
      inFlight -= 1;
      return answered++ < 30 ? answer(429) : answer(200);
    };
    const results = await Promise.all(
      Array.from({ length: 40 }, () => sendPolitely(limiter, send, { ...fast, tries: 10 }).then((result) => result.status)),
    );
    expect(results).toEqual(Array(40).fill(200));
    expect(peak).toBeLessThanOrEqual(8);
    expect(peak).toBe(8);
    expect(limiter.inFlight).toBe(0);
  });

  it("holds no place while waiting out a 429: another request goes first", async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    let tries = 0;
    const slow = sendPolitely(limiter, async () => (order.push(`A${++tries}`), tries === 1 ? answer(429) : answer(200)), {
      ...fast,
      baseDelayMs: 40,
      random: () => 1,
    });
    await settle();
    const quick = sendPolitely(limiter, async () => (order.push("B"), answer(200)), fast);
    await Promise.all([slow, quick]);
    expect(order).toEqual(["A1", "B", "A2"]);
  });

  it("waits what Retry-After asks before the next try", async () => {
    const times: number[] = [];
    await sendPolitely(
      new Limiter(1),
      async () => (times.push(performance.now()), times.length === 1 ? answer(429, "1") : answer(200)),
      fast,
    );
    // Retry-After: 1 s beats the 5 ms policy base (and the 50 ms cap applies to it too).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
  });

  it("a cancelled run stops waiting out a 429", async () => {
    const cancel = new AbortController();
    const sent = sendPolitely(new Limiter(1), async () => answer(429, "30"), { ...fast, maxDelayMs: 30_000 }, cancel.signal);
    setTimeout(() => cancel.abort(new Error("Ctrl-C")), 10);
    await expect(sent).rejects.toThrow();
  });
});

describe("Pacer", () => {
  it("starts work at most perSecond times a second, in the order asked", async () => {
    // The pacer reads its clock twice a turn, in turn order: how long to wait, then the start it keeps. The starts are
    // judged from those readings, not from when each work ran after: a busy machine may run one work late and the next
    // on time, which says nothing of the pacing.
    const readings: number[] = [];
    const clock = () => readings[readings.push(performance.now()) - 1]!;
    const pacer = new Pacer(50, clock); // one start every 20 ms
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((id) => pacer.run(async () => order.push(id))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    const starts = readings.filter((_reading, index) => index % 2 === 1);
    expect(starts).toHaveLength(5);
    // Lower bounds only, less the timers' millisecond rounding: a busy machine spaces them further, never closer.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(18);
  });

  it("a cancelled wait never starts its work", async () => {
    const pacer = new Pacer(10);
    await pacer.run(async () => undefined);
    const cancel = new AbortController();
    let ran = false;
    const waiting = pacer.run(async () => (ran = true), cancel.signal);
    cancel.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow();
    expect(ran).toBe(false);
  });

  it("Customer.io's pace is 10 a second", () => {
    expect(customerioRequests.perSecond).toBe(10);
  });
});
