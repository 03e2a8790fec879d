import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_KEY, ACCOUNT_TOKEN, SECRET_KEY, SENDER, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";
import { CIO_EU_KEY, CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";

/** Every command, human and --json, success and failure: no secret in any output. */

/** Customer.io's App API keys: also in the forms a header or URL would carry them. */
const CUSTOMERIO_KEYS = [CIO_US_KEY, CIO_EU_KEY].flatMap((key) => [key, Buffer.from(key).toString("base64"), encodeURIComponent(key)]);
const SECRETS = [ACCOUNT_TOKEN, SERVER_TOKEN, SECRET_KEY, ...CUSTOMERIO_KEYS];
/** Another service's credentials, in a webhook of its own on the stream: not ours to show either. */
const THIRD_PARTY = ["ZapierPassword-5150", "ZAPKEY-0123456789", "ZAP-BEARER-TOKEN-777"];
const WRONG_SECRET = "sk-WRONG-secret-value-77777777";
let world: World;
let customerio: CustomerIoSimulator;
let runs = 0;

beforeAll(async () => {
  world = await startWorld();
  customerio = await startCustomerIo(world);
  world.simulator.state.webhooks.push({
    ID: 31,
    ServerID: 2001,
    Url: "https://zap-user:ZapierPassword-5150@hooks.zapier.example/catch/1?api_key=ZAPKEY-0123456789",
    MessageStream: "outbound",
    HttpAuth: null,
    HttpHeaders: [{ Name: "Authorization", Value: "Bearer ZAP-BEARER-TOKEN-777" }],
    Triggers: {
      Open: { Enabled: true, PostFirstOpenOnly: false },
      Click: { Enabled: false },
      Delivery: { Enabled: true },
      Bounce: { Enabled: false, IncludeContent: false },
      SpamComplaint: { Enabled: false, IncludeContent: false },
      SubscriptionChange: { Enabled: false },
    },
  });
});
afterAll(async () => {
  await customerio.close();
  await world.close();
});

const scenarios: Array<[name: string, argv: string[], env: NodeJS.ProcessEnv, expectedCode: number]> = [
  [
    "setup with an account token",
    ["setup", "--server", "Production", "--stream", "outbound", "--region", "us", "--yes"],
    { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    0,
  ],
  [
    "setup with a server token, secret from stdin",
    ["setup", "--stream", "broadcast", "--region", "us", "--smtp-secret-stdin", "--no-store-secrets", "--yes"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_SMTP_SECRET_KEY: undefined },
    0,
  ],
  ["setup dry run", ["setup", "--stream", "outbound", "--region", "eu", "--dry-run"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 0],
  [
    "setup with a wrong Secret Key",
    ["setup", "--stream", "outbound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_SMTP_SECRET_KEY: WRONG_SECRET },
    1,
  ],
  [
    "setup with a revoked token",
    ["setup", "--stream", "outbound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: `${SERVER_TOKEN}-revoked` },
    1,
  ],
  ["setup missing inputs", ["setup"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2],
  [
    "setup --send-test",
    ["setup", "--stream", "outbound", "--region", "us", "--send-test", "--from", SENDER],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    0,
  ],
  [
    "setup --send-test refused at MAIL FROM",
    ["setup", "--stream", "outbound", "--region", "us", "--send-test", "--from", "pending@signature.test"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    1,
  ],
  [
    "setup with the account token as server token",
    ["setup", "--stream", "outbound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: ACCOUNT_TOKEN },
    2,
  ],
  ["doctor", ["doctor"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 0],
  // The broadcast connection was set up above with the outbound stream's key pair: the test message proves it (exit 1).
  ["doctor --send-test", ["doctor", "--send-test", "--from", SENDER], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 1],
  ["doctor --fix", ["doctor", "--fix", "--yes"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 0],
  ["status", ["status"], {}, 0],
  ["status of an empty config folder", ["status", "--config-dir", "/tmp/cio-postmark-empty-audit"], {}, 0],
  ["remove", ["remove", "--server", "Production", "--stream", "outbound", "--yes"], {}, 0],
  ["remove of something unknown", ["remove", "--server", "Production", "--stream", "outbound", "--yes"], {}, 2],
  [
    "setup --trace into the config folder",
    ["setup", "--stream", "outbound", "--region", "us", "--trace", "CONFIG_DIR/trace.jsonl"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
  ],
  [
    "setup --dry-run --send-test",
    ["setup", "--stream", "outbound", "--region", "us", "--dry-run", "--send-test", "--from", SENDER],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
  ],
  ["status --reveal of a connection saved without its secret", ["status", "--reveal"], {}, 1],
  [
    "setup with a Customer.io key",
    ["setup", "--stream", "outbound", "--yes"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
    0,
  ],
  [
    "setup with a Customer.io key of the other region than --region",
    ["setup", "--stream", "outbound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, CUSTOMERIO_APP_API_KEY: CIO_EU_KEY },
    2,
  ],
  [
    "setup with a Customer.io key nobody takes",
    ["setup", "--stream", "outbound"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, CUSTOMERIO_APP_API_KEY: `${CIO_US_KEY}-revoked` },
    1,
  ],
  [
    "doctor with a Customer.io key of the other region",
    ["doctor", "--server", "Production", "--stream", "outbound"],
    { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY },
    1,
  ],
  [
    "doctor --end-to-end",
    ["doctor", "--server", "Production", "--stream", "outbound", "--end-to-end", "--from", SENDER, "--timeout", "2"],
    { CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
    0,
  ],
  ["doctor with the SMTP server gone", ["doctor"], {}, 1],
];

describe("secrets audit", () => {
  it.each(scenarios)("%s: human, --json and DEBUG=1 runs print no secret", async (name, argv, env, expectedCode) => {
    if (name === "doctor with the SMTP server gone") world.smtp.close();
    for (const extra of [[], ["--json"]]) {
      for (const debug of [{}, { DEBUG: "1" }]) {
        if (name.startsWith("remove") && (extra.length || "DEBUG" in debug)) continue; // remove changes state: run it once
        const args = argv.map((arg) => arg.replace("CONFIG_DIR", world.configDir));
        const run = await world.run(["--no-input", ...args, ...extra], { env: { ...customerio.env, ...env, ...debug }, stdin: SECRET_KEY });
        runs += 1;
        expect(run.code).toBe(expectedCode);
        for (const secret of [...SECRETS, ...THIRD_PARTY, WRONG_SECRET, `${SERVER_TOKEN}-revoked`, `${CIO_US_KEY}-revoked`]) {
          expect(run.stdout).not.toContain(secret);
          expect(run.stderr).not.toContain(secret);
        }
      }
    }
  });

  it("keeps the Secret Key and server token out of the file with --no-store-secrets", () => {
    const connections = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections;
    const broadcast = connections["2001:broadcast"];
    expect(broadcast.smtp).toEqual({ host: "smtp-broadcasts.postmarkapp.com", port: 587, accessKey: ACCESS_KEY });
    expect(broadcast.serverToken).toBeUndefined();
    expect(JSON.stringify(broadcast)).not.toContain(SECRET_KEY);
    console.log(`secrets audit runs: ${runs}`);
    expect(runs).toBeGreaterThanOrEqual(90);
  });
});
