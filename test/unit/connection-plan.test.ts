import { describe, expect, it } from "vitest";
import {
  isUsableStream,
  planConnection,
  planSteps,
  streamProblems,
  type PlanStep,
  withoutDeletions,
  type WantedConnection,
  type WhatPostmarkHas,
} from "../../src/core/connection-plan.js";
import type { MessageStream, Webhook } from "../../src/core/model.js";
import { EU_URL, US_URL, transactionalTriggers } from "../helpers/expected.js";

/** The one judgement setup, --dry-run, doctor and --fix share: tables of what Postmark has against what is wanted. */

function stream(changes: Partial<MessageStream> = {}): MessageStream {
  return {
    ID: "outbound",
    ServerID: 1,
    Name: "Outbound",
    Description: null,
    MessageStreamType: "Transactional",
    CreatedAt: "2026-01-01T00:00:00Z",
    UpdatedAt: null,
    ArchivedAt: null,
    ExpectedPurgeDate: null,
    SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "None" },
    ...changes,
  };
}

function hook(id: number, url: string): Webhook {
  return { ID: id, Url: url, MessageStream: "outbound", HttpAuth: null, HttpHeaders: [], Triggers: transactionalTriggers() };
}

const wanted: WantedConnection = { region: "us", streamId: "outbound", streamType: "Transactional", needsSmtp: true };

describe("streamProblems", () => {
  const cases: Array<[string, Partial<MessageStream>, string[]]> = [
    ["a transactional stream", {}, []],
    ["a broadcast stream", { MessageStreamType: "Broadcasts" }, []],
    ["an inbound stream", { MessageStreamType: "Inbound" }, ["inbound"]],
    ["an archived stream", { ArchivedAt: "2026-02-01T00:00:00Z" }, ["archived"]],
    [
      "an archived inbound stream: inbound first",
      { MessageStreamType: "Inbound", ArchivedAt: "2026-02-01T00:00:00Z" },
      ["inbound", "archived"],
    ],
  ];
  it.each(cases)("%s", (_name, changes, problems) => {
    expect(streamProblems(stream(changes))).toEqual(problems);
    expect(isUsableStream(stream(changes))).toBe(problems.length === 0);
  });
});

describe("planConnection", () => {
  type Case = [name: string, have: WhatPostmarkHas, want: Partial<WantedConnection>, expected: Record<string, unknown>];
  const cases: Case[] = [
    [
      "a healthy connection changes nothing and says nothing",
      { server: { SmtpApiActivated: true }, stream: stream(), webhooks: [hook(1, US_URL)] },
      {},
      { problems: [], changesAnything: false, movesFrom: undefined, target: "keep", consent: [] },
    ],
    [
      "no webhook yet: a create",
      { server: { SmtpApiActivated: true }, stream: stream(), webhooks: [] },
      {},
      { problems: [], changesAnything: true, target: "create", consent: [] },
    ],
    [
      "SMTP off is a problem when SMTP is needed",
      { server: { SmtpApiActivated: false }, stream: stream(), webhooks: [hook(1, US_URL)] },
      {},
      { problems: [{ kind: "smtp-disabled" }], changesAnything: false },
    ],
    [
      "SMTP off stops nothing with --skip-smtp (the judgement warns)",
      { server: { SmtpApiActivated: false }, stream: stream(), webhooks: [hook(1, US_URL)] },
      { needsSmtp: false },
      { problems: [] },
    ],
    [
      "an inbound stream is a problem",
      { server: { SmtpApiActivated: true }, stream: stream({ MessageStreamType: "Inbound" }), webhooks: [] },
      {},
      { problems: [{ kind: "stream", problem: "inbound" }] },
    ],
    [
      "Postmark's own unsubscribe handling on a broadcast stream stops nothing (the judgement warns)",
      {
        server: { SmtpApiActivated: false },
        stream: stream({ MessageStreamType: "Broadcasts", SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "Postmark" } }),
        webhooks: [],
      },
      { streamType: "Broadcasts", needsSmtp: false },
      { problems: [] },
    ],
    [
      "Postmark's unsubscribe handling on a transactional stream says nothing",
      { stream: stream({ SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "Postmark" } }), webhooks: [hook(1, US_URL)] },
      {},
      { changesAnything: false },
    ],
    [
      "a duplicate needs consent to be deleted",
      { webhooks: [hook(1, US_URL), hook(2, US_URL)] },
      {},
      { target: "keep", consent: [2], changesAnything: true },
    ],
    [
      "a move to EU: the EU webhook is created, the US one needs consent, and the move is named",
      { webhooks: [hook(1, US_URL)] },
      { region: "eu", savedRegion: "us" },
      { target: "create", consent: [1], movesFrom: "us", changesAnything: true },
    ],
    [
      "already moved: nothing to change but the saved region",
      { webhooks: [hook(5, EU_URL)] },
      { region: "eu", savedRegion: "us" },
      { target: "keep", consent: [], movesFrom: "us", changesAnything: true },
    ],
  ];
  it.each(cases)("%s", (_name, have, want, expected) => {
    const plan = planConnection(have, { ...wanted, ...want });
    const seen: Record<string, unknown> = {
      problems: plan.problems,
      changesAnything: plan.changesAnything,
      movesFrom: plan.movesFrom,
      target: plan.webhooks.target.kind,
      consent: plan.needsConsent.map((deletion) => deletion.webhook.ID),
    };
    for (const [key, value] of Object.entries(expected)) expect(seen[key], key).toEqual(value);
  });

  it.each<[string, Partial<WhatPostmarkHas>, Partial<WantedConnection>, boolean]>([
    ["a verified webhook is not verified again", { webhooks: [{ ...hook(1, US_URL), Status: "verified" }] }, {}, false],
    ["an unverified one is", { webhooks: [{ ...hook(1, US_URL), Status: "unverified" }] }, {}, true],
    ["not with --no-verify-webhook", { webhooks: [{ ...hook(1, US_URL), Status: "unverified" }] }, { verifies: false }, false],
    ["nor a webhook still to create", { webhooks: [] }, {}, false],
    [
      "a paused trigger in the statistics makes a verified one need it",
      {
        webhooks: [{ ...hook(1, US_URL), Status: "verified" }],
        deliveries: { total: 1, succeeded: 1, failed: 0, retries: 0, statuses: { Bounce: "unverified" } },
      },
      {},
      true,
    ],
  ])("verify: %s", (_name, have, want, verify) => {
    const plan = planConnection({ webhooks: [], ...have }, { ...wanted, ...want });
    expect(plan.verify).toBe(verify);
    expect(plan.changesAnything).toBe(verify || plan.webhooks.target.kind !== "keep");
  });

  it("a saved region like the one wanted is no move", () => {
    expect(planConnection({ webhooks: [hook(1, US_URL)] }, { ...wanted, savedRegion: "us" }).movesFrom).toBeUndefined();
    expect(planConnection({ webhooks: [hook(1, US_URL)] }, { ...wanted, savedRegion: "us" }).changesAnything).toBe(false);
  });

  it("declined deletions leave the rest of the plan, and nothing to change when only they were left", () => {
    const plan = planConnection({ webhooks: [hook(1, US_URL), hook(2, US_URL)] }, wanted);
    const kept = withoutDeletions(plan);
    expect(kept.needsConsent).toEqual([]);
    expect(kept.webhooks.deletions).toEqual([]);
    expect(kept.webhooks.target.kind).toBe("keep");
    expect(kept.changesAnything).toBe(false);
    const moving = withoutDeletions(planConnection({ webhooks: [hook(1, US_URL)] }, { ...wanted, region: "eu", savedRegion: "us" }));
    expect(moving.changesAnything).toBe(true);
    // A saved region alone (no webhook left to move): still a change, the saved connection's.
    const savedOnly = withoutDeletions(planConnection({ webhooks: [hook(1, EU_URL)] }, { ...wanted, region: "eu", savedRegion: "us" }));
    expect(savedOnly.webhooks.target.kind).toBe("keep");
    expect(savedOnly.changesAnything).toBe(true);
    const unverified = { ...hook(1, US_URL), Status: "unverified" as const };
    expect(withoutDeletions(planConnection({ webhooks: [unverified, hook(2, US_URL)] }, wanted)).changesAnything).toBe(true);
  });
});

describe("planSteps: the plan as apply's table and JSON name it", () => {
  const unverified = { ...hook(1, US_URL), Status: "unverified" as const };
  const drifted = { ...hook(1, US_URL), Triggers: { ...transactionalTriggers(), Open: { Enabled: true, PostFirstOpenOnly: false } } };
  const cases: Array<[string, Webhook[], Partial<WantedConnection>, PlanStep[]]> = [
    ["no webhook yet", [], {}, [{ action: "create", webhook: null }]],
    ["one right", [hook(1, US_URL)], {}, [{ action: "keep", webhook: 1 }]],
    [
      "one unverified",
      [unverified],
      {},
      [
        { action: "keep", webhook: 1 },
        { action: "verify", webhook: 1 },
      ],
    ],
    ["one unverified, --no-verify-webhook", [unverified], { verifies: false }, [{ action: "keep", webhook: 1 }]],
    [
      "one drifted",
      [drifted],
      {},
      [{ action: "update", webhook: 1, reason: "Open trigger is on: Customer.io tracks opens itself, so it would count every open twice" }],
    ],
    [
      "a duplicate and the other region's",
      [hook(1, US_URL), hook(2, US_URL), hook(3, EU_URL)],
      {},
      [
        { action: "keep", webhook: 1 },
        { action: "delete", webhook: 2, reason: "duplicate" },
        { action: "delete", webhook: 3, reason: "other-region" },
      ],
    ],
  ];
  it.each(cases)("%s", (_case, webhooks, changes, steps) => {
    expect(planSteps(planConnection({ webhooks }, { ...wanted, ...changes }))).toEqual(steps);
  });
});
