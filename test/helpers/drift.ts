import { US_URL, transactionalTriggers } from "./expected.js";
import type { World } from "./world.js";

/** Drift a test makes by hand in the simulated account, as a person clicking in Postmark would. */

/** Sets triggers of the server's US Customer.io webhook. */
export function patchTriggers(world: World, serverId: number, triggers: object): void {
  const hook = world.simulator.state.webhooks.find((h) => h.ServerID === serverId && h.Url === US_URL)!;
  Object.assign(hook.Triggers, triggers);
}

/** Adds a webhook with the four triggers to the server's outbound stream. */
export function addWebhook(world: World, serverId: number, url: string): void {
  const state = world.simulator.state;
  state.webhooks.push({
    ID: state.nextWebhookId++,
    ServerID: serverId,
    Url: url,
    MessageStream: "outbound",
    HttpAuth: null,
    HttpHeaders: [],
    Triggers: transactionalTriggers(),
  });
}
