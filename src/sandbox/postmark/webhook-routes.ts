import type { MessageStream, Webhook, WebhookTriggers } from "../../core/model.js";
import type { StoredWebhook } from "../account.js";
import { ApiError, isObject, notFound, sameId } from "./answers.js";
import { findStream } from "./server-routes.js";
import type { RouteContext, SimulatedPostmark } from "./state.js";
import { callReceiver, statisticsOf, type VerificationResult } from "./webhook-receiver.js";

/** A stream's webhooks: list, create, edit, delete, and the current API's verify and statistics routes. */

const MAX_WEBHOOKS_PER_STREAM = 10;

const notFoundWebhook = () => new ApiError(422, 1352, "The webhook for the provided 'ID' was not found.");

export function webhooksOf(sim: SimulatedPostmark, serverId: number, streamId?: string): Webhook[] {
  return sim.state.webhooks
    .filter((hook) => hook.ServerID === serverId && (streamId === undefined || sameId(hook.MessageStream, streamId)))
    .map((hook) => publicWebhook(sim, hook));
}

export function listWebhooks(sim: SimulatedPostmark, { serverId, query }: RouteContext) {
  const streamId = query.messagestream;
  if (streamId !== undefined) findStream(sim, serverId!, streamId);
  return { Webhooks: webhooksOf(sim, serverId!, streamId) };
}

export function getWebhook(sim: SimulatedPostmark, serverId: number, id: string): Webhook {
  return publicWebhook(sim, findWebhook(sim, serverId, id));
}

function findWebhook(sim: SimulatedPostmark, serverId: number, id: string): StoredWebhook {
  const hook = sim.state.webhooks.find((candidate) => candidate.ServerID === serverId && candidate.ID === Number(id));
  if (!hook) throw notFoundWebhook();
  return hook;
}

export function createWebhook(sim: SimulatedPostmark, { serverId, body, query }: RouteContext) {
  if (!isObject(body)) throw new ApiError(422, 1355, "The request body is missing.");
  if ("ID" in body) throw new ApiError(422, 1356, "The 'ID' field is not allowed when creating a webhook.");
  refuseStatus(sim, body);
  const url = validUrl(body.Url);
  const streamId = typeof body.MessageStream === "string" ? body.MessageStream : "outbound";
  const stream = findStream(sim, serverId!, streamId);
  if (stream.ArchivedAt) throw new ApiError(422, 1350, "Webhooks cannot be added to an archived message stream.");
  if (stream.MessageStreamType === "Inbound") {
    throw new ApiError(422, 1351, "Webhooks cannot be added to an inbound message stream.");
  }
  if (webhooksOf(sim, serverId!, stream.ID).length >= MAX_WEBHOOKS_PER_STREAM) {
    throw new ApiError(422, 1359, "This message stream already has the maximum number of webhooks.");
  }
  const triggers = triggersFor(sim, stream, body.Triggers, mergeTriggers(disabledTriggers(), body.Triggers));
  const status = verification(sim, { Url: url, Triggers: triggers }, true, body, query);
  const hook = {
    ID: sim.state.nextWebhookId++,
    ServerID: serverId!,
    Url: url,
    MessageStream: stream.ID,
    HttpAuth: auth(body.HttpAuth),
    HttpHeaders: headersOf(body.HttpHeaders),
    Triggers: triggers,
    ...(status === undefined ? {} : { Status: status }),
  };
  sim.state.webhooks.push(hook);
  return publicWebhook(sim, hook);
}

export function editWebhook(sim: SimulatedPostmark, { serverId, body, query }: RouteContext, id: string) {
  if (!isObject(body)) throw new ApiError(422, 1355, "The request body is missing.");
  if ("ID" in body || "MessageStream" in body) {
    throw new ApiError(422, 1357, "The 'ID' and 'MessageStream' fields cannot be changed.");
  }
  refuseStatus(sim, body);
  const hook = findWebhook(sim, serverId!, id);
  const triggers =
    "Triggers" in body
      ? triggersFor(sim, findStream(sim, serverId!, hook.MessageStream), body.Triggers, mergeTriggers(hook.Triggers, body.Triggers))
      : hook.Triggers;
  const url = "Url" in body ? validUrl(body.Url) : hook.Url;
  // Postmark verifies an edit that changes the URL or turns a trigger on, before saving anything.
  const turnedOn = (Object.keys(triggers) as Array<keyof WebhookTriggers>).some(
    (name) => triggers[name].Enabled && !hook.Triggers[name].Enabled,
  );
  const status = verification(sim, { Url: url, Triggers: triggers }, url !== hook.Url || turnedOn, body, query);
  hook.Url = url;
  if ("HttpAuth" in body) hook.HttpAuth = auth(body.HttpAuth);
  if ("HttpHeaders" in body) hook.HttpHeaders = headersOf(body.HttpHeaders);
  hook.Triggers = triggers;
  if (status !== undefined) {
    // A write Postmark verified (or was told not to) sets every trigger's state at once.
    hook.Status = status;
    delete hook.TriggerStatuses;
  }
  return publicWebhook(sim, hook);
}

export function deleteWebhook(sim: SimulatedPostmark, serverId: number, id: string) {
  const hook = findWebhook(sim, serverId, id);
  sim.state.webhooks = sim.state.webhooks.filter((candidate) => candidate !== hook);
  return { ErrorCode: 0, Message: `Webhook ${hook.ID} removed.` };
}

/** POST /webhooks/{id}/verify and GET /webhooks/{id}/statistics: the current API only. */
export function webhookActionRoute(
  sim: SimulatedPostmark,
  method: string,
  resource: string | undefined,
  length: number,
  id: string | undefined,
  action: string | undefined,
  ctx: RouteContext,
) {
  const route = `${method} ${resource}/:id/${action}`;
  if (sim.api === "older" || length !== 3 || (route !== "POST webhooks/:id/verify" && route !== "GET webhooks/:id/statistics")) {
    throw notFound();
  }
  const hook = findWebhook(sim, ctx.serverId!, id!);
  if (route === "GET webhooks/:id/statistics") {
    return statisticsOf(hook, sim.deliveries, { byTrigger: sim.statisticsByTrigger, perTrigger: sim.deliveriesByTrigger });
  }
  // Each trigger is judged on its own: one that answers is verified again (a pause lifted), one that fails is paused.
  const results = callReceiver(hook, sim.receiverRefusal);
  const passed = results.filter((result) => result.Success).length;
  hook.Status = passed === results.length ? "verified" : "unverified";
  hook.TriggerStatuses = Object.fromEntries(results.map((result) => [result.TriggerType, result.Success ? "verified" : "unverified"]));
  return {
    Id: hook.ID,
    Url: hook.Url,
    Success: passed === results.length,
    Results: sim.verifyAnswer === "success-only" ? [] : results,
    Message: `${passed}/${results.length} triggers verified successfully`,
  };
}

/** The current API refuses a write that carries `Status`; the older one ignores fields it does not know. */
function refuseStatus(sim: SimulatedPostmark, body: Record<string, unknown>): void {
  if (sim.api === "current" && "Status" in body) throw new ApiError(422, 1363, "The 'Status' field cannot be set; Postmark sets it.");
}

/**
 * The current API calls the URL once per enabled trigger before saving, unless told not to (in
 * the form it honours): a failure refuses the write (1364) with the results. Answers the status
 * to save, or undefined where nothing changes it (the older API, or no check needed).
 */
function verification(
  sim: SimulatedPostmark,
  hook: Pick<Webhook, "Url" | "Triggers">,
  needed: boolean,
  body: Record<string, unknown>,
  query: Record<string, string>,
): Webhook["Status"] | undefined {
  if (sim.api === "older" || !needed) return undefined;
  const inBody = body.Verify === false;
  const inQuery = (query.verify ?? "").toLowerCase() === "false";
  const optedOut = sim.verifyOptOut === "both" ? inBody || inQuery : sim.verifyOptOut === "body" ? inBody : inQuery;
  if (optedOut) return "unverified";
  const results: VerificationResult[] = callReceiver(hook, sim.receiverRefusal);
  if (results.every((result) => result.Success)) return "verified";
  throw new ApiError(
    422,
    1364,
    "Webhook verification failed; nothing was saved. Fix the endpoint and retry, or send '?verify=false' to save it unverified.",
    { Url: hook.Url, Success: false, Results: results },
  );
}

/**
 * Bounce or Spam Complaint asked on (in the body) on a broadcast stream: accepted, quietly stored
 * off, or refused, as set for each. One already on and not mentioned is left as it is.
 */
function triggersFor(sim: SimulatedPostmark, stream: MessageStream, asked: unknown, triggers: WebhookTriggers): WebhookTriggers {
  if (stream.MessageStreamType !== "Broadcasts") return triggers;
  const result = structuredClone(triggers);
  const answers = { Bounce: sim.broadcastBounce, SpamComplaint: sim.broadcastSpamComplaint } as const;
  for (const name of ["Bounce", "SpamComplaint"] as const) {
    if (!askedOn(asked, name) || answers[name] === "accept") continue;
    if (answers[name] === "reject") throw new ApiError(422, 1353, "The webhook trigger is not supported on this message stream.");
    result[name].Enabled = false;
  }
  return result;
}

/** A webhook as the API shows it: the older API has no `Status`, nor does the current one where its guide is right. */
function publicWebhook(sim: SimulatedPostmark, hook: StoredWebhook): Webhook {
  const { ServerID: _serverId, Status, TriggerStatuses: _triggers, ...rest } = hook;
  const shown = { ...rest, HttpAuth: rest.HttpAuth ?? { Username: "", Password: "" } };
  // A webhook seeded without a status predates verification: played as one Postmark accepted.
  const withStatus = sim.api === "current" && sim.webhookStatus === "reported";
  return structuredClone(withStatus ? { ...shown, Status: Status ?? "verified" } : shown);
}

function validUrl(value: unknown): string {
  if (typeof value !== "string" || !/^https?:\/\/[^\s/]+/i.test(value)) {
    throw new ApiError(422, 1354, "The 'Url' field is missing or not a valid URL.");
  }
  return value;
}

function auth(value: unknown): Webhook["HttpAuth"] {
  if (!isObject(value)) return null;
  const username = typeof value.Username === "string" ? value.Username : "";
  const password = typeof value.Password === "string" ? value.Password : "";
  return username === "" && password === "" ? null : { Username: username, Password: password };
}

function headersOf(value: unknown): Webhook["HttpHeaders"] {
  if (!Array.isArray(value)) return [];
  return value.map((header) => {
    if (!isObject(header) || typeof header.Name !== "string" || header.Name === "") {
      throw new ApiError(422, 1358, "Each HTTP header needs a 'Name'.");
    }
    return { Name: header.Name, Value: typeof header.Value === "string" ? header.Value : "" };
  });
}

function disabledTriggers(): WebhookTriggers {
  return {
    Open: { Enabled: false, PostFirstOpenOnly: false },
    Click: { Enabled: false },
    Delivery: { Enabled: false },
    Bounce: { Enabled: false, IncludeContent: false },
    SpamComplaint: { Enabled: false, IncludeContent: false },
    SubscriptionChange: { Enabled: false },
  };
}

/** A trigger (or sub-field) left out keeps its current value. */
function mergeTriggers(current: WebhookTriggers, update: unknown): WebhookTriggers {
  const merged = structuredClone(current) as unknown as Record<string, Record<string, boolean>>;
  if (!isObject(update)) return current;
  for (const [name, fields] of Object.entries(update)) {
    const trigger = Object.keys(merged).find((key) => key.toLowerCase() === name.toLowerCase());
    if (!trigger || !isObject(fields)) continue;
    for (const [field, value] of Object.entries(fields)) {
      const key = Object.keys(merged[trigger]!).find((candidate) => candidate.toLowerCase() === field.toLowerCase());
      if (key && typeof value === "boolean") merged[trigger]![key] = value;
    }
  }
  return merged as unknown as WebhookTriggers;
}

/** Whether a write's `Triggers` asks for this trigger on (names matched case-insensitively). */
function askedOn(asked: unknown, name: string): boolean {
  if (!isObject(asked)) return false;
  const entry = Object.entries(asked).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return isObject(entry) && Object.entries(entry).some(([key, value]) => key.toLowerCase() === "enabled" && value === true);
}
