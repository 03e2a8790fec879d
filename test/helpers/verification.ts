import type { SimulatorOptions } from "../../src/sandbox/postmark/state.js";
import { DEFAULT_SPEC, SERVER_TOKEN, startWorld, type World } from "./world.js";

/**
 * Postmark as its documents describe it now (webhook Status, verification, the verify and
 * statistics routes) or as older accounts meet it: one world, and the few things its tests do.
 */
export function verificationWorld() {
  let world!: World;
  return {
    get world() {
      return world;
    },
    start: async (options: SimulatorOptions = {}) =>
      (world = await startWorld(DEFAULT_SPEC, {}, { messageDelayMs: 50, eventDelayMs: 50, ...options })),
    setup: (...extra: string[]) =>
      world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", ...extra], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
      }),
    doctor: (...extra: string[]) => world.run(["doctor", "--no-input", "--json", ...extra], { env: {} }),
    check: (document: any, id: string) => document.connections[0].checks.find((candidate: { id: string }) => candidate.id === id),
    writesOf: () => world.simulator.requests.filter((request) => request.method !== "GET"),
    /** Customer.io's URL refusing Postmark's calls for these triggers. */
    refuse(triggers: Array<"Delivery" | "Bounce" | "SpamComplaint" | "SubscriptionChange">, statusCode = 404, message = "Not Found") {
      world.simulator.receiverRefusal = { triggers, statusCode, message };
    },
  };
}
