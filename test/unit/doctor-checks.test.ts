import { describe, expect, it } from "vitest";
import { CliError } from "../../src/errors.js";
import { judgeWhatWasRead } from "../../src/doctor/facts.js";
import { CHECKS } from "../../src/doctor/checks/index.js";
import type { CheckResult, Facts } from "../../src/doctor/types.js";
import { TokenRejectedError } from "../../src/postmark/errors.js";
import type { Domain, MessageStream, Server, Webhook } from "../../src/core/model.js";
import { symbolsFor } from "../../src/platform.js";
import { TRANSACTIONAL_TRIGGERS, US_URL } from "../helpers/expected.js";

/** Each doctor check, fed plain facts: its verdict, its words and its fix, for every state it knows. */

const SETUP = "cio-postmark setup --server 1001 --stream outbound";
const FIX = "cio-postmark doctor --fix --server 1001 --stream outbound";
const server: Server = {
  ID: 1001,
  Name: "Acme",
  ApiTokens: ["t"],
  SmtpApiActivated: true,
  ServerLink: "https://account.postmarkapp.com/servers/1001/streams",
};
const stream: MessageStream = {
  ID: "outbound",
  ServerID: 1001,
  Name: "Default",
  Description: null,
  MessageStreamType: "Transactional",
  CreatedAt: "",
  UpdatedAt: null,
  ArchivedAt: null,
  ExpectedPurgeDate: null,
  SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "None" },
};
const hook = (id: number, url = US_URL, changes: Partial<Webhook["Triggers"]> = {}): Webhook => ({
  ID: id,
  Url: url,
  MessageStream: "outbound",
  HttpAuth: null,
  HttpHeaders: [],
  Triggers: { ...structuredClone(TRANSACTIONAL_TRIGGERS), ...changes },
});
const deliveries = (total = 40, failed = 0, retries = 0) => ({ total, succeeded: total - failed, failed, retries });
const DELIVERY_FIX =
  "Check that the Customer.io workspace is in region US (its webhook goes to https://track.customer.io/postmark/events) and that its " +
  "Postmark integration is still on; then have Postmark call the URL now: cio-postmark doctor --verify-webhook --server 1001 --stream " +
  "outbound";
const trigger = (name: string, success = true, statusCode = 200, message = "OK") => ({ trigger: name, success, statusCode, message });
/** Postmark's verify answer: its own Success beside each trigger's call. */
const verified = (checks: Array<ReturnType<typeof trigger>>, success = checks.every((check) => check.success)) => ({ success, checks });
const VERIFY_FIX =
  "Have Postmark verify the webhook now (it calls Customer.io's URL once per trigger): cio-postmark doctor --verify-webhook " +
  "--server 1001 --stream outbound";
const statuses = (changes: Record<string, string>) => ({
  ...deliveries(),
  statuses: { Delivery: "verified", Bounce: "verified", SpamComplaint: "verified", SubscriptionChange: "verified", ...changes },
});
const credentials = { host: "smtp.postmarkapp.com", port: 587, accessKey: "AK-1", secretKey: "s" };
const rejected = new TokenRejectedError("server", "rejected", { hint: "h", cause: undefined });
const unavailable = new CliError("postmark_unavailable", "Postmark answered 500 while trying to read.", { hint: "Try again shortly." });

function facts(changes: Partial<Facts> & { streamType?: MessageStream["MessageStreamType"]; hooks?: Webhook[] } = {}): Facts {
  const streamType = changes.streamType ?? "Transactional";
  const given: Facts = {
    connection: {
      serverId: 1001,
      serverName: "Acme",
      streamId: "outbound",
      streamName: "Default",
      streamType,
      region: "us",
      webhookId: 9001,
      webhookUrl: US_URL,
      smtp: { host: "smtp.postmarkapp.com", port: 587, accessKey: "AK-1" },
      verifiedAt: null,
      updatedAt: "",
    },
    configFile: "/c/config.json",
    configMode: () => 0o600,
    configDirMode: () => 0o700,
    fileModes: true,
    server: async () => server,
    stream: async () => ({ ...stream, MessageStreamType: streamType }),
    webhooks: async () => changes.hooks ?? [hook(9001)],
    verdict: () => judgeWhatWasRead(given, given.connection, { command: given.command, env: {}, output: { symbols: given.symbols } }),
    smtpCredentials: () => credentials,
    verifySmtp: async () => undefined,
    domains: () => undefined,
    sendTest: () => undefined,
    deliveries: async () => deliveries(),
    verification: () => undefined,
    workspace: () => undefined,
    endToEnd: () => undefined,
    symbols: symbolsFor(true),
    command: (...args) => ["cio-postmark", ...args].join(" "),
    ...changes,
  };
  return given;
}

async function run(id: string, given: Facts): Promise<CheckResult> {
  return CHECKS.find((check) => check.id === id)!.run(given);
}

type Case = [id: string, state: string, given: Facts, expected: CheckResult];
const cases: Case[] = [
  [
    "config-file",
    "missing",
    facts({ configMode: () => undefined }),
    { status: "fail", message: "The config file /c/config.json is missing.", fix: SETUP },
  ],
  ["config-file", "healthy", facts(), { status: "pass", message: "Config file readable, mode 0600 in a 0700 folder (/c/config.json)." }],
  [
    "config-file",
    "readable by others",
    facts({ configMode: () => 0o644 }),
    {
      status: "fail",
      message: "The config file /c/config.json has mode 0644: others can read your tokens.",
      fix: 'chmod 600 "/c/config.json", or let doctor do it: cio-postmark doctor --fix',
      repair: { consent: false },
    },
  ],
  [
    "config-file",
    "in a folder others can list",
    facts({ configDirMode: () => 0o755 }),
    {
      status: "fail",
      message: "The config folder /c has mode 0755: others can list and replace its files.",
      fix: 'chmod 700 "/c", or let doctor do it: cio-postmark doctor --fix',
      repair: { consent: false },
    },
  ],
  ["server-token", "accepted", facts(), { status: "pass", message: "Postmark accepted the server token." }],
  [
    "server-token",
    "rejected",
    facts({ server: () => Promise.reject(rejected) }),
    {
      status: "fail",
      message: "Postmark rejected the server token (revoked or wrong).",
      fix: `Copy a server token from Postmark > Servers > Acme > API Tokens and set POSTMARK_SERVER_TOKEN to it, then: ${SETUP}`,
    },
  ],
  [
    "server-token",
    "unreachable",
    facts({ server: () => Promise.reject(unavailable) }),
    { status: "fail", message: "Could not check the server token: Postmark answered 500 while trying to read.", fix: "Try again shortly." },
  ],
  [
    "server-token",
    "a plain error",
    facts({ server: () => Promise.reject(new Error("boom")) }),
    { status: "fail", message: "Could not check the server token: boom", fix: "Run doctor again." },
  ],
  ["server-smtp", "enabled", facts(), { status: "pass", message: "Server Acme exists and has SMTP enabled." }],
  [
    "server-smtp",
    "disabled",
    facts({ server: async () => ({ ...server, SmtpApiActivated: false }) }),
    {
      status: "fail",
      message: "SMTP is disabled on server Acme (ID 1001): Customer.io cannot send through it.",
      fix: "Turn it on in Postmark: https://account.postmarkapp.com/servers/1001/settings (Settings > SMTP).",
    },
  ],
  [
    "server-smtp",
    "unreadable",
    facts({ server: () => Promise.reject(unavailable) }),
    { status: "fail", message: "Could not read the server: Postmark answered 500 while trying to read.", fix: "Try again shortly." },
  ],
  [
    "server-smtp",
    "unreadable without a hint",
    facts({ server: () => Promise.reject(new Error("x")) }),
    {
      status: "fail",
      message: "Could not read the server: Error: x",
      fix: "Run doctor again; if it persists, run with --trace FILE and report it.",
    },
  ],
  ["stream", "healthy", facts(), { status: "pass", message: 'Stream "outbound" (Transactional) exists and can send.' }],
  [
    "stream",
    "archived",
    facts({ stream: async () => ({ ...stream, ArchivedAt: "2026-01-01" }) }),
    {
      status: "fail",
      message: 'Stream "outbound" is archived: Postmark does not send from it.',
      fix: "Unarchive it in Postmark (Message Streams), or choose another stream.",
    },
  ],
  [
    "stream",
    "inbound",
    facts({ stream: async () => ({ ...stream, MessageStreamType: "Inbound" }) }),
    {
      status: "fail",
      message: 'Stream "outbound" is an inbound stream: it receives mail, so Customer.io cannot send through it.',
      fix: "Choose a transactional or broadcast stream, e.g. --stream outbound.",
    },
  ],
  [
    "stream",
    "gone",
    facts({ stream: () => Promise.reject(new CliError("postmark_rejected", "not found")) }),
    {
      status: "fail",
      message: 'Stream "outbound" no longer exists on server Acme.',
      fix: "Set up another stream: cio-postmark setup --server 1001",
    },
  ],
  [
    "stream",
    "unreadable",
    facts({ stream: () => Promise.reject(unavailable) }),
    { status: "fail", message: 'Could not read stream "outbound": Postmark answered 500 while trying to read.', fix: "Try again shortly." },
  ],
  [
    "stream",
    "unreadable, a plain error",
    facts({ stream: () => Promise.reject(new Error("x")) }),
    {
      status: "fail",
      message: 'Could not read stream "outbound": Error: x',
      fix: "Run doctor again; if it persists, run with --trace FILE and report it.",
    },
  ],
  ["webhook-exists", "there", facts(), { status: "pass", message: `Customer.io webhook 9001 → ${US_URL}.` }],
  [
    "webhook-exists",
    "missing",
    facts({ hooks: [] }),
    {
      status: "fail",
      message: `No Customer.io webhook (${US_URL}) on stream "outbound": bounces and deliveries do not reach Customer.io.`,
      fix: FIX,
      repair: { consent: false },
    },
  ],
  [
    "webhook-triggers",
    "right",
    facts(),
    { status: "pass", message: "Triggers are exactly Delivery, Bounce, Spam Complaint and Subscription Change (Open and Click off)." },
  ],
  [
    "webhook-triggers",
    "right on a broadcast stream",
    facts({ streamType: "Broadcasts", hooks: [hook(9001, US_URL, { SpamComplaint: { Enabled: false, IncludeContent: false } })] }),
    {
      status: "pass",
      message:
        "Triggers are exactly Delivery and Subscription Change (Open and Click off). A broadcast stream gets two triggers " +
        "(the events Postmark sends Customer.io), Delivery and " +
        "Subscription Change: Postmark offers no Bounce or Spam Complaint trigger there, and reports hard bounces and spam complaints " +
        "as Subscription Change events.",
    },
  ],
  [
    "webhook-triggers",
    "broadcast, Bounce and Spam Complaint on as Postmark keeps them",
    facts({ streamType: "Broadcasts", hooks: [hook(9001)] }),
    {
      status: "pass",
      message:
        "Triggers are exactly Delivery and Subscription Change (Open and Click off). A broadcast stream gets two triggers " +
        "(the events Postmark sends Customer.io), Delivery and " +
        "Subscription Change: Postmark offers no Bounce or Spam Complaint trigger there, and reports hard bounces and spam complaints " +
        "as Subscription Change events.",
    },
  ],
  [
    "webhook-triggers",
    "broadcast, Bounce off",
    facts({ streamType: "Broadcasts", hooks: [hook(9001, US_URL, { Bounce: { Enabled: false, IncludeContent: false } })] }),
    {
      status: "pass",
      message:
        "Triggers are exactly Delivery and Subscription Change (Open and Click off). A broadcast stream gets two triggers " +
        "(the events Postmark sends Customer.io), Delivery and " +
        "Subscription Change: Postmark offers no Bounce or Spam Complaint trigger there, and reports hard bounces and spam complaints " +
        "as Subscription Change events.",
    },
  ],
  [
    "webhook-triggers",
    "no webhook",
    facts({ hooks: [] }),
    { status: "skip", message: "Skipped: there is no Customer.io webhook to check." },
  ],
  [
    "webhook-triggers",
    "drifted",
    facts({ hooks: [hook(9001, US_URL, { Open: { Enabled: true, PostFirstOpenOnly: false }, Click: { Enabled: true } })] }),
    {
      status: "fail",
      message:
        "Webhook 9001 has the wrong settings: Open trigger is on: Customer.io tracks opens itself, so it would count every open twice; " +
        "Click trigger is on: Customer.io tracks clicks itself, so it would count every click twice.",
      fix: FIX,
      repair: { consent: false },
    },
  ],
  ["webhook-duplicates", "none", facts(), { status: "pass", message: "No duplicate or other-region Customer.io webhook." }],
  [
    "webhook-duplicates",
    "one duplicate",
    facts({ hooks: [hook(9001), hook(9002)] }),
    {
      status: "fail",
      message: "An extra Customer.io webhook on the stream: 9002 (duplicate). Customer.io counts each event twice.",
      fix: `cio-postmark doctor --fix --yes --server 1001 --stream outbound`,
      repair: { consent: true },
    },
  ],
  [
    "webhook-duplicates",
    "a duplicate and the other region",
    facts({ hooks: [hook(9001), hook(9002), hook(9003, "https://track-eu.customer.io/postmark/events")] }),
    {
      status: "fail",
      message: "Extra Customer.io webhooks on the stream: 9002 (duplicate), 9003 (other region). Customer.io counts each event twice.",
      fix: `cio-postmark doctor --fix --yes --server 1001 --stream outbound`,
      repair: { consent: true },
    },
  ],
  [
    "webhook-duplicates",
    "unreadable",
    facts({ webhooks: () => Promise.reject(unavailable) }),
    {
      status: "fail",
      message: "Could not read the stream's webhooks: Postmark answered 500 while trying to read.",
      fix: "Try again shortly.",
    },
  ],
  [
    "webhook-delivery",
    "all delivered",
    facts(),
    { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." },
  ],
  [
    "webhook-delivery",
    "one delivery",
    facts({ deliveries: async () => deliveries(1) }),
    { status: "pass", message: "1 delivery to Customer.io in the last 24 hours, none failed." },
  ],
  [
    "webhook-delivery",
    "none in 24 hours",
    facts({ deliveries: async () => deliveries(0) }),
    { status: "pass", message: "No deliveries in the last 24 hours." },
  ],
  [
    "webhook-delivery",
    "10% exactly failed: a warning",
    facts({ deliveries: async () => deliveries(40, 4, 12) }),
    {
      status: "warn",
      message: "4 of 40 deliveries to Customer.io failed in the last 24 hours (12 retries); the rest arrived.",
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-delivery",
    "just over 10% failed: a failure",
    facts({ deliveries: async () => deliveries(1000, 101, 1) }),
    {
      status: "fail",
      message: "101 of 1000 deliveries to Customer.io failed in the last 24 hours (1 retry).",
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-delivery",
    "most failed",
    facts({ deliveries: async () => deliveries(40, 37, 120) }),
    {
      status: "fail",
      message: "37 of 40 deliveries to Customer.io failed in the last 24 hours (120 retries).",
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-delivery",
    "unverified: Postmark sends it nothing, whatever the counts",
    facts({ hooks: [{ ...hook(9001), Status: "unverified" }] }),
    {
      status: "fail",
      message: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
      fix: VERIFY_FIX,
      // doctor --fix has Postmark verify it: the summary offers it with the other repairs.
      repair: { consent: false },
    },
  ],
  [
    "webhook-delivery",
    "unverified, on an API without the statistics route: still a failure",
    facts({ hooks: [{ ...hook(9001), Status: "unverified" }], deliveries: async () => undefined }),
    {
      status: "fail",
      message: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
      fix: VERIFY_FIX,
      // doctor --fix has Postmark verify it: the summary offers it with the other repairs.
      repair: { consent: false },
    },
  ],
  [
    "webhook-delivery",
    "one trigger paused in Statuses, the webhook verified",
    facts({ hooks: [{ ...hook(9001), Status: "verified" }], deliveries: async () => statuses({ Bounce: "unverified" }) }),
    {
      status: "fail",
      message: "Postmark marks the Bounce trigger unverified (paused): it sends Customer.io no event for it until it passes verification.",
      fix: VERIFY_FIX,
      // doctor --fix has Postmark verify it: the summary offers it with the other repairs.
      repair: { consent: false },
    },
  ],
  [
    "webhook-delivery",
    "two triggers paused, and no top-level Status at all",
    facts({ deliveries: async () => statuses({ Bounce: "Unverified", SpamComplaint: "paused" }) }),
    {
      status: "fail",
      message:
        "Postmark marks the Bounce and Spam Complaint triggers unverified (paused): it sends Customer.io no events for them until they " +
        "pass verification.",
      fix: VERIFY_FIX,
      // doctor --fix has Postmark verify it: the summary offers it with the other repairs.
      repair: { consent: false },
    },
  ],
  [
    "webhook-delivery",
    "a broadcast stream: Bounce's state is not judged there",
    facts({ streamType: "Broadcasts", deliveries: async () => statuses({ Bounce: "unverified", SpamComplaint: "unverified" }) }),
    { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." },
  ],
  [
    "webhook-delivery",
    "Bounce failing 50 of 100 by trigger while the total is under 10%",
    facts({
      deliveries: async () => ({
        ...deliveries(1000, 50, 0),
        byTrigger: { Delivery: deliveries(900, 0, 0), Bounce: deliveries(100, 50, 0) },
      }),
    }),
    {
      status: "fail",
      message: "Postmark's deliveries to Customer.io in the last 24 hours: Bounce: 50 of 100 deliveries failed.",
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-delivery",
    "by trigger, all healthy: the total decides",
    facts({ deliveries: async () => ({ ...deliveries(40, 0, 0), byTrigger: { Delivery: deliveries(30), Bounce: deliveries(10) } }) }),
    { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." },
  ],
  [
    "webhook-delivery",
    "--verify-webhook passed in this run: the Status read before it no longer counts",
    facts({
      hooks: [{ ...hook(9001), Status: "unverified" }],
      verification: async () => verified([trigger("Delivery"), trigger("Bounce")]),
    }),
    { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." },
  ],
  [
    "webhook-delivery",
    "verified",
    facts({ hooks: [{ ...hook(9001), Status: "verified" }] }),
    { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." },
  ],
  [
    "webhook-delivery",
    "the older API",
    facts({ deliveries: async () => undefined }),
    { status: "skip", message: "Skipped: this Postmark account's API has no webhook statistics (the older API)." },
  ],
  [
    "webhook-delivery",
    "no webhook",
    facts({ hooks: [], deliveries: async () => "no-webhook" as const }),
    { status: "skip", message: "Skipped: there is no Customer.io webhook to check." },
  ],
  [
    "webhook-delivery",
    "unreadable",
    facts({ deliveries: () => Promise.reject(unavailable) }),
    {
      status: "fail",
      message: "Could not read the webhook's delivery statistics: Postmark answered 500 while trying to read.",
      fix: "Try again shortly.",
    },
  ],
  [
    "webhook-verify",
    "not asked for",
    facts(),
    { status: "skip", message: "Skipped: run with --verify-webhook to have Postmark call Customer.io's URL now, once per trigger." },
  ],
  [
    "webhook-verify",
    "every trigger answered",
    facts({
      verification: async () => verified([trigger("Delivery"), trigger("Bounce"), trigger("SpamComplaint"), trigger("SubscriptionChange")]),
    }),
    {
      status: "pass",
      message: "Postmark called Customer.io's URL for 4 triggers: each answered.",
    },
  ],
  [
    "webhook-verify",
    "two triggers refused",
    facts({
      verification: async () =>
        verified([trigger("Delivery"), trigger("Bounce", false, 404, "Not Found"), trigger("SpamComplaint", false, 500, "oops")]),
    }),
    {
      status: "fail",
      message: 'Customer.io\'s URL failed Postmark\'s call for Bounce (404 "Not Found"), Spam Complaint (500 "oops").',
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-verify",
    "every listed trigger answered, but Postmark says Success: false",
    facts({ verification: async () => verified([trigger("Delivery"), trigger("Bounce")], false) }),
    {
      status: "fail",
      message: "Postmark's check of the webhook did not pass (it answered Success: false), so it may send Customer.io no events.",
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-verify",
    "Success: false with no results at all",
    facts({ verification: async () => verified([], false) }),
    {
      status: "fail",
      message: "Postmark's check of the webhook did not pass (it answered Success: false), so it may send Customer.io no events.",
      fix: DELIVERY_FIX,
    },
  ],
  [
    "webhook-verify",
    "the older API",
    facts({ verification: async () => undefined }),
    { status: "skip", message: "Skipped: this Postmark account's API cannot verify webhooks (the older API)." },
  ],
  [
    "webhook-verify",
    "no webhook",
    facts({ verification: async () => "no-webhook" as const }),
    { status: "skip", message: "Skipped: there is no Customer.io webhook to check." },
  ],
  [
    "webhook-verify",
    "unreadable",
    facts({ verification: () => Promise.reject(unavailable) }),
    {
      status: "fail",
      message: "Could not read Postmark's check of the webhook: Postmark answered 500 while trying to read.",
      fix: "Try again shortly.",
    },
  ],
  [
    "smtp-auth",
    "accepted",
    facts(),
    { status: "pass", message: "SMTP smtp.postmarkapp.com:587: STARTTLS and the key pair (Access Key AK-1) accepted." },
  ],
  [
    "smtp-auth",
    "set up with --skip-smtp",
    facts({ connection: { ...facts().connection, smtp: null } }),
    { status: "skip", message: "Skipped: this connection was set up with --skip-smtp." },
  ],
  [
    "smtp-auth",
    "no Secret Key anywhere",
    facts({ smtpCredentials: () => undefined }),
    {
      status: "skip",
      message: "Skipped: the Secret Key is not stored (--no-store-secrets); set POSTMARK_SMTP_SECRET_KEY to check it.",
    },
  ],
  [
    "smtp-auth",
    "rejected",
    facts({ verifySmtp: () => Promise.reject(new CliError("smtp_auth_rejected", "The key pair was rejected.")) }),
    {
      status: "fail",
      message: "The key pair was rejected.",
      fix: `Generate a new SMTP token at https://account.postmarkapp.com/servers/1001/streams/outbound/settings, then: ${SETUP}`,
    },
  ],
  [
    "smtp-auth",
    "rejected, server unreadable",
    facts({ verifySmtp: () => Promise.reject(new CliError("smtp_auth_rejected", "Rejected.")), server: () => Promise.reject(unavailable) }),
    {
      status: "fail",
      message: "Rejected.",
      fix: `Generate a new SMTP token at the stream's Settings tab in Postmark, then: ${SETUP}`,
    },
  ],
  [
    "smtp-auth",
    "another SMTP failure",
    facts({ verifySmtp: () => Promise.reject(new CliError("smtp_timeout", "No answer.", { hint: "Try 2525." })) }),
    { status: "fail", message: "No answer.", fix: "Try 2525." },
  ],
  [
    "smtp-auth",
    "a plain error",
    facts({ verifySmtp: () => Promise.reject(new Error("odd")) }),
    { status: "fail", message: "Error: odd", fix: "Run doctor again." },
  ],
  [
    "smtp-send",
    "not asked for",
    facts(),
    { status: "skip", message: "Skipped: run with --send-test --from ADDRESS to prove which stream the SMTP token sends through." },
  ],
  [
    "smtp-send",
    "no SMTP token",
    facts({ sendTest: () => Promise.resolve("no-smtp" as const) }),
    { status: "skip", message: "Skipped: this connection has no SMTP token to send with." },
  ],
  [
    "smtp-send",
    "proven",
    facts({
      sendTest: async () => ({ from: "a@b.c", to: "d@e.f", messageId: "m-1", stream: "outbound", firstEvent: "Bounced", seconds: 1.5 }),
    }),
    {
      status: "pass",
      message: 'The test message m-1 went through stream "outbound"; first event: Bounced (1.5 s).',
    },
  ],
  [
    "smtp-send",
    "proven, no event yet",
    facts({ sendTest: async () => ({ from: "a@b.c", to: "d@e.f", messageId: "m-1", stream: "outbound", firstEvent: null, seconds: 120 }) }),
    {
      status: "pass",
      message: 'The test message m-1 went through stream "outbound"; no event yet (120 s).',
    },
  ],
  [
    "smtp-send",
    "wrong stream",
    facts({
      sendTest: () =>
        Promise.reject(new CliError("send_test_wrong_stream", "Went through broadcast.", { hint: "Generate one on outbound." })),
    }),
    {
      status: "fail",
      message: "Could not read where the test message went: Went through broadcast.",
      fix: "Generate one on outbound.",
    },
  ],
  ["unsubscribe-handling", "transactional", facts(), { status: "skip", message: "Skipped: not a broadcast stream." }],
  [
    "unsubscribe-handling",
    "Postmark's own",
    facts({
      streamType: "Broadcasts",
      stream: async () => ({
        ...stream,
        MessageStreamType: "Broadcasts",
        SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "Postmark" },
      }),
    }),
    {
      status: "warn",
      message:
        "Postmark adds its own unsubscribe link and List-Unsubscribe headers to this broadcast stream; recipients may see two links. " +
        "Unsubscribes reach Customer.io through the Subscription Change trigger.",
      fix: "To use only Customer.io's link, ask Postmark support to switch the stream to custom unsubscribe handling.",
    },
  ],
  [
    "unsubscribe-handling",
    "custom",
    facts({
      stream: async () => ({
        ...stream,
        MessageStreamType: "Broadcasts",
        SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "Custom" },
      }),
    }),
    {
      status: "pass",
      message: "Broadcast stream uses Custom unsubscribe handling.",
    },
  ],
  [
    "unsubscribe-handling",
    "not said",
    facts({
      stream: async () => ({ ...stream, MessageStreamType: "Broadcasts", SubscriptionManagementConfiguration: undefined as never }),
    }),
    {
      status: "pass",
      message: "Broadcast stream uses custom unsubscribe handling.",
    },
  ],
  [
    "sending-domains",
    "no account token",
    facts(),
    { status: "skip", message: "Skipped: set POSTMARK_ACCOUNT_TOKEN to check the sending domains' DKIM and Return-Path." },
  ],
  [
    "sending-domains",
    "no domains",
    facts({ domains: () => Promise.resolve([]) }),
    { status: "pass", message: "No sending domains on the account." },
  ],
  [
    "sending-domains",
    "one verified",
    facts({ domains: () => Promise.resolve([domain("a.example")]) }),
    { status: "pass", message: "The sending domain has DKIM and Return-Path verified." },
  ],
  [
    "sending-domains",
    "two verified",
    facts({ domains: () => Promise.resolve([domain("a.example"), domain("b.example")]) }),
    { status: "pass", message: "All 2 sending domains have DKIM and Return-Path verified." },
  ],
  [
    "sending-domains",
    "problems",
    facts({
      domains: () =>
        Promise.resolve([
          domain("a.example", { DKIMVerified: false }),
          domain("b.example", { ReturnPathDomainVerified: false, SPFVerified: false }),
        ]),
    }),
    {
      status: "warn",
      message:
        "a.example: DKIM not verified; b.example: Return-Path not verified. Until they are verified, mail Customer.io sends from them " +
        "is likelier to land in spam.",
      fix: "Postmark > Sender Signatures > (domain) > DNS Settings: add the records shown, then click Verify.",
    },
  ],
  [
    "sending-domains",
    "unreadable: a warning, not a failure",
    facts({ domains: () => Promise.reject(unavailable) }),
    {
      status: "warn",
      message: "Could not read the sending domains: Postmark answered 500 while trying to read.",
      fix: "Try again shortly.",
    },
  ],
];

function domain(name: string, changes: Partial<Domain> = {}): Domain {
  return { ID: 1, Name: name, SPFVerified: true, DKIMVerified: true, WeakDKIM: false, ReturnPathDomainVerified: true, ...changes };
}

describe("doctor's checks, one state at a time", () => {
  it.each(cases)("%s, %s", async (id, _state, given, expected) => {
    expect(await run(id, given)).toEqual(expected);
  });
});

describe("customerio-region", () => {
  const workspace = (region: "us" | "eu") => ({ id: "71", name: "Acme", region });
  it.each<[string, Facts["workspace"], CheckResult]>([
    [
      "without a key: skipped",
      () => undefined,
      { status: "skip", message: "Skipped: set CUSTOMERIO_APP_API_KEY to check the saved region against your Customer.io workspace." },
    ],
    [
      "the workspace in the saved region: pass",
      async () => workspace("us"),
      { status: "pass", message: "Customer.io workspace Acme is in region US, as saved." },
    ],
    [
      "the workspace in the other region: fail, fixed by moving the connection",
      async () => workspace("eu"),
      {
        status: "fail",
        message:
          "Saved region US, but Customer.io workspace Acme is in region EU: the webhook sends Postmark's events to " +
          "https://track.customer.io/postmark/events, which does not know this workspace's messages.",
        fix: "cio-postmark doctor --fix --region eu --yes --server 1001 --stream outbound",
      },
    ],
    [
      "a key neither host accepts: fail with its words",
      async () => {
        throw new CliError("customerio_unauthorized", "Customer.io accepted the App API key on neither region's host.", {
          hint: "Check CUSTOMERIO_APP_API_KEY.",
        });
      },
      {
        status: "fail",
        message: "Could not read your Customer.io workspace: Customer.io accepted the App API key on neither region's host.",
        fix: "Check CUSTOMERIO_APP_API_KEY.",
      },
    ],
  ])("%s", async (_name, read, expected) => {
    expect(await run("customerio-region", facts({ workspace: read }))).toEqual(expected);
  });
});

describe("end-to-end", () => {
  const outcome = (changes: Record<string, unknown>) => async () =>
    ({ status: "pass", message: "words", deliveryId: "d-1", stream: "outbound", stage: "matched", seconds: 3, ...changes }) as never;
  it("without --end-to-end: skipped, saying how to run it", async () => {
    expect(await run("end-to-end", facts())).toEqual({
      status: "skip",
      message:
        "Skipped: run with --end-to-end --from ADDRESS (and CUSTOMERIO_APP_API_KEY) to send one email through Customer.io and follow it " +
        "through Postmark and back.",
    });
  });
  it("the verdict on this stream, with the JSON details", async () => {
    expect(await run("end-to-end", facts({ endToEnd: outcome({}) }))).toEqual({
      status: "pass",
      message: "words",
      details: { deliveryId: "d-1", stream: "outbound", stage: "matched", seconds: 3 },
    });
    expect(await run("end-to-end", facts({ endToEnd: outcome({ status: "fail", stage: "not-sent", stream: null, fix: "f" }) }))).toEqual({
      status: "fail",
      message: "words",
      fix: "f",
      details: { deliveryId: "d-1", stream: null, stage: "not-sent", seconds: 3 },
    });
  });
  it("a wrong stream fails every checked connection; another checked stream's verdict is skipped here", async () => {
    expect(
      await run("end-to-end", facts({ endToEnd: outcome({ status: "fail", stage: "wrong-stream", stream: "broadcast", fix: "f" }) })),
    ).toMatchObject({ status: "fail" });
    expect(await run("end-to-end", facts({ endToEnd: outcome({ stream: "Broadcast" }) }))).toEqual({
      status: "skip",
      message: "Skipped: Customer.io's test email went through stream Broadcast; its verdict is there.",
      details: { deliveryId: "d-1", stream: "Broadcast", stage: "matched", seconds: 3 },
    });
    expect(await run("end-to-end", facts({ endToEnd: outcome({ stream: "OUTBOUND" }) }))).toMatchObject({ status: "pass" });
  });
});
