import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAccount, type AccountSpec } from "../../src/sandbox/account.js";
import { makeCertificate, type Certificate } from "../../src/sandbox/certificate.js";
import type { PostmarkSimulator } from "../../src/sandbox/postmark/simulator.js";
import type { SimulatorOptions } from "../../src/sandbox/postmark/state.js";
import type { LoopbackSmtp, LoopbackSmtpOptions } from "../../src/sandbox/smtp-server.js";
import { startSimulatedWorld } from "../../src/sandbox/world.js";
import type { RunOverrides } from "../../src/runtime.js";
import { runCli, type RunOptions } from "./run-cli.js";

/**
 * A test's whole world: the Postmark simulator over HTTP, a real SMTP server with STARTTLS and a
 * certificate made for this run, and a config folder in a temp directory.
 */

export const ACCOUNT_TOKEN = "acct-token-1234567890-abcdef";
export const SERVER_TOKEN = "srv-token-prod-1234567890-abcd";
export const OTHER_SERVER_TOKEN = "srv-token-staging-0987654321-wxyz";
export const ACCESS_KEY = "ak-5b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
export const SECRET_KEY = "sk-ULTRA-secret-9f8e7d6c5b4a39281706";
/** An SMTP token generated on Production's broadcast stream: proves the wrong-stream case. */
export const BROADCAST_ACCESS_KEY = "ak-broadcast-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
export const BROADCAST_SECRET_KEY = "sk-BROADCAST-secret-1a2b3c4d5e6f7a8b9c0d";
/** A confirmed sender signature on a domain that is not verified. */
export const SENDER = "alerts@signature.test";

export const DEFAULT_SPEC: AccountSpec = {
  accountToken: ACCOUNT_TOKEN,
  servers: [
    { id: 2001, name: "Production", tokens: [SERVER_TOKEN] },
    { id: 2002, name: "Staging", tokens: [OTHER_SERVER_TOKEN] },
    { id: 2003, name: "No SMTP", tokens: ["srv-token-nosmtp-1111111111"], smtp: false },
  ],
  domains: [{ Name: "example.com" }],
  senders: [{ EmailAddress: SENDER }, { EmailAddress: "pending@signature.test", Confirmed: false }],
};

let certificate: Certificate | undefined;
/** One certificate per test file, made fresh for the run and trusted only through the route's `ca`. */
export function testCertificate(): Certificate {
  certificate ??= makeCertificate();
  return certificate;
}

export interface World {
  simulator: PostmarkSimulator;
  smtp: LoopbackSmtp;
  configDir: string;
  certificate: Certificate;
  /** Env for a scripted setup of Production/outbound with the SMTP key pair, tokens included. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  overrides: RunOverrides;
  run(argv: string[], options?: RunOptions): ReturnType<typeof runCli>;
  close(): Promise<void>;
}

export async function startWorld(
  spec: AccountSpec = DEFAULT_SPEC,
  smtpOptions: Partial<LoopbackSmtpOptions> = {},
  simulatorOptions: SimulatorOptions = { messageDelayMs: 50, eventDelayMs: 50 },
): Promise<World> {
  const cert = testCertificate();
  const world = await startSimulatedWorld({
    account: buildAccount(spec),
    postmark: simulatorOptions,
    certificate: cert,
    smtp: {
      keyPairs: [
        { accessKey: ACCESS_KEY, secretKey: SECRET_KEY, serverId: 2001, streamId: "outbound" },
        { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY, serverId: 2001, streamId: "broadcast" },
      ],
      ...smtpOptions,
    },
  });
  const { postmark: simulator, smtp } = world;
  const root = mkdtempSync(join(tmpdir(), "cio-postmark-test-"));
  const configDir = join(root, "config");
  const overrides: RunOverrides = {
    smtpRoute: { ca: cert.cert, connectTo: { host: "127.0.0.1", port: smtp.port } },
    httpTimeoutMs: 2_000,
    smtpTimeoutMs: 3_000,
    lockWaitMs: 10_000,
    retry: { tries: 3, baseDelayMs: 20, maxTotalMs: 5_000 },
    rateLimit: { tries: 4, baseDelayMs: 5, maxDelayMs: 50 },
    sendTest: { pollMs: 25, timeoutMs: 3_000 },
  };
  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    POSTMARK_API_URL: simulator.url,
    CIO_POSTMARK_CONFIG_DIR: configDir,
    POSTMARK_SMTP_ACCESS_KEY: ACCESS_KEY,
    POSTMARK_SMTP_SECRET_KEY: SECRET_KEY,
    ...extra,
  });
  return {
    simulator,
    smtp,
    configDir,
    certificate: cert,
    env,
    overrides,
    run: (argv, options = {}) => runCli(argv, { overrides, ...options, env: { ...env(), ...options.env } }),
    async close() {
      await world.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A world with Production / outbound set up (region US, the server token): where doctor, --fix, status and remove start. */
export async function startWorldWithOutbound(): Promise<World> {
  const world = await startWorld();
  const setup = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
  });
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}${setup.stdout}`);
  return world;
}
