import { describe, expect, it } from "vitest";
import { mapConcurrently } from "../../src/core/concurrency.js";

/** A controllable piece of work per item, so the test decides when each one ends. */
function gate() {
  const started: number[] = [];
  const finish = new Map<number, (ok: boolean) => void>();
  let inFlight = 0;
  let most = 0;
  const work = (item: number) =>
    new Promise<number>((resolve, reject) => {
      started.push(item);
      most = Math.max(most, ++inFlight);
      finish.set(item, (ok) => {
        inFlight -= 1;
        if (ok) resolve(item * 10);
        else reject(new Error(`item ${item} failed`));
      });
    });
  return { started, finish, work, most: () => most };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("mapConcurrently", () => {
  it("keeps at most the limit in flight and the results in the items' order, whatever order they finish in", async () => {
    const { started, finish, work, most } = gate();
    const all = mapConcurrently([1, 2, 3, 4, 5], 2, work);
    await settle();
    expect(started).toEqual([1, 2]);
    finish.get(2)!(true);
    await settle();
    expect(started).toEqual([1, 2, 3]);
    for (const item of [3, 1, 4, 5]) {
      finish.get(item)!(true);
      await settle();
    }
    expect(await all).toEqual([10, 20, 30, 40, 50]);
    expect(most()).toBe(2);
  });

  it("starts no new work after a failure, and fails with it", async () => {
    const { started, finish, work } = gate();
    const all = mapConcurrently([1, 2, 3, 4], 2, work);
    const outcome = all.catch((error: Error) => error.message);
    await settle();
    finish.get(1)!(false);
    await settle();
    finish.get(2)!(true);
    await settle();
    expect(await outcome).toBe("item 1 failed");
    expect(started).toEqual([1, 2]);
  });

  it("with fewer items than the limit, starts each once; with none, does nothing", async () => {
    let calls = 0;
    expect(await mapConcurrently([7], 8, async (item) => ((calls += 1), item))).toEqual([7]);
    expect(calls).toBe(1);
    expect(
      await mapConcurrently([], 8, async () => {
        throw new Error("never");
      }),
    ).toEqual([]);
  });
});
