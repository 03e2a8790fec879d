import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SimulatorOptions } from "../../src/sandbox/postmark/state.js";
import { EU_URL, US_URL, transactionalTriggers } from "./../helpers/expected.js";
import { ACCOUNT_TOKEN, SERVER_TOKEN, startWorld, type World } from "../helpers/world.js";

/**
 * One truth: for each state of Postmark and the saved config, setup and then doctor say the same
 * thing (both pass, or both do not); apply, then apply --check and doctor --file agree too; and
 * what doctor --fix says it repaired, doctor then passes. Each state is named in words.
 */

const PROD = 2001;
let world: World;
afterEach(async () => world?.close());

/** The run's environment: the server token, and what the state adds (an account token). */
let env: Record<string, string> = {};
const setup = (...flags: string[]) =>
  world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", ...flags], { env });
const doctor = (...flags: string[]) => world.run(["doctor", "--no-input", "--json", ...flags], { env });
const errorHooksOff = () => void (world.simulator.state.servers.find((server) => server.ID === PROD)!.EnableSmtpApiErrorHooks = false);
const hooks = () => world.simulator.webhooksOf(PROD, "outbound");
const addHook = (url: string, triggers = transactionalTriggers()) =>
  world.simulator.state.webhooks.push({
    ID: world.simulator.state.nextWebhookId++,
    ServerID: PROD,
    MessageStream: "outbound",
    Url: url,
    HttpAuth: null,
    HttpHeaders: [],
    Triggers: triggers,
  });
const stream = (id: string) => world.simulator.state.streams.find((candidate) => candidate.ServerID === PROD && candidate.ID === id)!;

interface State {
  /** What Postmark and the saved config are, in words. */
  name: string;
  options?: SimulatorOptions;
  /** Makes the state: a first setup, then what changed in Postmark, or Postmark as it is before any. */
  arrange?: () => unknown;
  /** setup's (and apply's) own flags in this state. */
  flags?: string[];
  /** Whether setup passes in this state: written here, so agreement alone cannot hide two wrong answers. */
  setupPasses: boolean;
  /** The connections file names no SMTP key pair (the webhook alone, as --skip-smtp). */
  noSmtp?: boolean;
  /** More of the environment than the server token. */
  env?: Record<string, string>;
}

const firstSetup = async () => expect((await setup()).code).toBe(0);

const STATES: State[] = [
  { name: "a new stream: healthy", setupPasses: true },
  { name: "a healthy connection, set up again", arrange: firstSetup, setupPasses: true },
  {
    name: "drift: Open turned on in Postmark after setup",
    arrange: async () => {
      await firstSetup();
      hooks()[0]!.Triggers.Open.Enabled = true;
    },
    setupPasses: true,
  },
  {
    name: "drift: Subscription Change turned off and HTTP auth added",
    arrange: async () => {
      await firstSetup();
      const [hook] = hooks();
      hook!.Triggers.SubscriptionChange.Enabled = false;
      hook!.HttpAuth = { Username: "someone", Password: "pw-0000-0000" };
    },
    setupPasses: true,
  },
  {
    name: "a trigger Postmark paused after setup",
    arrange: async () => {
      await firstSetup();
      world.simulator.pauseTrigger(hooks()[0]!.ID, "Bounce");
    },
    setupPasses: true,
  },
  {
    name: "Postmark's calls to Customer.io failing: 30 of 100 in the last 24 hours",
    arrange: () => void (world.simulator.deliveries = { TotalRequests: 100, SuccessCount: 70, FailureCount: 30, RetryCount: 0 }),
    setupPasses: false,
  },
  { name: "saved unverified (--no-verify-webhook), Status reported", flags: ["--no-verify-webhook"], setupPasses: false },
  {
    name: "saved unverified, no top-level Status in Postmark's answers",
    options: { webhookStatus: "absent" },
    flags: ["--no-verify-webhook"],
    setupPasses: false,
  },
  {
    name: "saved unverified, neither a Status nor per-trigger states",
    options: { webhookStatus: "absent", statisticsByTrigger: false },
    flags: ["--no-verify-webhook"],
    setupPasses: false,
  },
  {
    name: "SMTP off on the server",
    arrange: () => void (world.simulator.state.servers.find((server) => server.ID === PROD)!.SmtpApiActivated = false),
    setupPasses: false,
  },
  {
    name: "SMTP off on the server, with --skip-smtp",
    arrange: () => void (world.simulator.state.servers.find((server) => server.ID === PROD)!.SmtpApiActivated = false),
    flags: ["--skip-smtp"],
    noSmtp: true,
    setupPasses: true,
  },
  {
    name: "SMTP turned off after a setup with an SMTP token, then setup again with --skip-smtp",
    arrange: async () => {
      await firstSetup();
      world.simulator.state.servers.find((server) => server.ID === PROD)!.SmtpApiActivated = false;
    },
    flags: ["--skip-smtp"],
    setupPasses: false,
  },
  { name: "the server's SMTP API error webhooks off, a server token alone", arrange: errorHooksOff, setupPasses: true },
  {
    name: "the server's SMTP API error webhooks off, with an account token",
    arrange: errorHooksOff,
    env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    setupPasses: true,
  },
  { name: "an archived stream", arrange: () => void (stream("outbound").ArchivedAt = "2026-01-01T00:00:00Z"), setupPasses: false },
  { name: "an inbound stream", arrange: () => void (stream("outbound").MessageStreamType = "Inbound"), setupPasses: false },
  { name: "a duplicate Customer.io webhook, without --yes", arrange: () => (addHook(US_URL), addHook(US_URL)), setupPasses: false },
  {
    name: "a duplicate Customer.io webhook, with --yes",
    arrange: () => (addHook(US_URL), addHook(US_URL)),
    flags: ["--yes"],
    setupPasses: true,
  },
  { name: "the other region's webhook, with --yes", arrange: () => addHook(EU_URL), flags: ["--yes"], setupPasses: true },
  {
    name: "the webhook deleted in Postmark after setup",
    arrange: async () => {
      await firstSetup();
      world.simulator.state.webhooks = [];
    },
    setupPasses: true,
  },
  {
    name: "a race at create: another run's drifted Customer.io webhook of a lower ID appears",
    arrange: () =>
      world.simulator.injectFault({
        times: 1,
        match: (request) => request.method === "GET" && request.path === "/webhooks" && world.simulator.writes.length === 1,
        fault: {
          kind: "answer",
          status: 200,
          body: JSON.stringify({
            Webhooks: [
              {
                ID: 10,
                Url: US_URL,
                MessageStream: "outbound",
                HttpAuth: null,
                HttpHeaders: [],
                Triggers: { ...transactionalTriggers(), Open: { Enabled: true, PostFirstOpenOnly: false } },
              },
              {
                ID: world.simulator.state.nextWebhookId,
                Url: US_URL,
                MessageStream: "outbound",
                HttpAuth: null,
                HttpHeaders: [],
                Triggers: transactionalTriggers(),
              },
            ],
          }),
        },
      }),
    setupPasses: true,
  },
];

const passes = (code: number) => code === 0;
/** A script reads "ok" or the exit code: the two say the same. */
const agrees = (run: { code: number; json(): { ok: boolean } }, what: string) =>
  expect(run.json().ok, `${what}: "ok" against exit ${run.code}`).toBe(passes(run.code));

describe("setup, then doctor: one verdict", () => {
  it.each(STATES.map((state) => [state.name, state] as const))("%s", async (_name, state) => {
    world = await startWorld(undefined, {}, { messageDelayMs: 50, eventDelayMs: 50, ...state.options });
    env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...state.env };
    await state.arrange?.();
    const made = await setup(...(state.flags ?? []));
    expect(passes(made.code), made.stdout + made.stderr).toBe(state.setupPasses);
    agrees(made, "setup");
    // Nothing saved (a refusal before any change) is nothing doctor can pass.
    const saved = (await world.run(["status", "--json"], { env: {} })).json().connections.length > 0;
    const doctored = saved ? await doctor() : undefined;
    if (doctored) agrees(doctored, "doctor");
    expect(passes(doctored?.code ?? 1), "doctor, right after").toBe(passes(made.code));
    if (!saved) return;
    const fixed = await doctor("--fix", "--yes");
    agrees(fixed, "doctor --fix");
    if (passes(fixed.code)) expect((await doctor()).code, "doctor after --fix passed").toBe(0);
  });
});

describe("apply, then apply --check and doctor --file: one verdict", () => {
  // The states a connections file can express: no flags but --yes, which apply always has here.
  const fileStates = STATES.filter((state) => !(state.flags ?? []).some((flag) => flag !== "--yes" && flag !== "--skip-smtp"));
  it.each(fileStates.map((state) => [state.name, state] as const))("%s", async (_name, state) => {
    world = await startWorld(undefined, {}, { messageDelayMs: 50, eventDelayMs: 50, ...state.options });
    env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...state.env };
    await state.arrange?.();
    const file = join(world.configDir, "..", "cio-postmark.json");
    const smtp = state.noSmtp ? {} : { smtp: { accessKeyEnv: "POSTMARK_SMTP_ACCESS_KEY", secretKeyEnv: "POSTMARK_SMTP_SECRET_KEY" } };
    writeFileSync(file, JSON.stringify({ connections: [{ server: "Production", stream: "outbound", region: "us", ...smtp }] }));
    const applied = await world.run(["apply", "--file", file, "--yes", "--json"], { env });
    const checked = await world.run(["apply", "--file", file, "--check", "--json"], { env });
    const fromFile = await world.run(["doctor", "--file", file, "--json"], { env });
    for (const [run, what] of [
      [applied, "apply"],
      [checked, "apply --check"],
      [fromFile, "doctor --file"],
    ] as const)
      agrees(run, what);
    expect(passes(checked.code), "apply --check after apply").toBe(passes(applied.code));
    expect(passes(fromFile.code), "doctor --file after apply").toBe(passes(applied.code));
  });
});
