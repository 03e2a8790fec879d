import { afterEach, describe, expect, it } from "vitest";
import { runBinary } from "../../helpers/run-binary.js";
import { BROADCAST_ACCESS_KEY, BROADCAST_SECRET_KEY, SENDER, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/** Mistyped commands, each command's help, `status --reveal`, and words that agree with what happened. */

let world: World;
afterEach(() => world?.close());
const env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN };
const setup = (...extra: string[]) => world.run(["setup", "--no-input", "--stream", "outbound", ...extra], { env });

describe("a mistyped command", () => {
  it.each([
    [["doctr"], 'Unknown command "doctr". Did you mean doctor?'],
    [["doctr", "--fix"], 'Unknown command "doctr". Did you mean doctor?'],
    [["--no-color", "stauts"], 'Unknown command "stauts". Did you mean status?'],
    [["frobnicate"], 'Unknown command "frobnicate".'],
  ])("%j exits 2 naming it", async (argv, message) => {
    const run = await runBinary(argv);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain("too many arguments");
  });

  it("--json says it in the one document", async () => {
    const run = await runBinary(["doctr", "--json"]);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: "unknown_command",
      message: 'Unknown command "doctr". Did you mean doctor?',
    });
  });
});

describe("each command's --help", () => {
  const globals = ["--json", "--no-input", "--sandbox", "--config-dir", "--trace"];
  it.each([
    [
      "setup",
      [
        "POSTMARK_ACCOUNT_TOKEN",
        "POSTMARK_SERVER_TOKEN",
        "POSTMARK_SMTP_ACCESS_KEY",
        "POSTMARK_SMTP_SECRET_KEY",
        "POSTMARK_API_URL",
        "CIO_POSTMARK_CONFIG_DIR",
      ],
      [],
    ],
    [
      "doctor",
      ["POSTMARK_ACCOUNT_TOKEN", "POSTMARK_SERVER_TOKEN", "POSTMARK_SMTP_SECRET_KEY", "POSTMARK_API_URL", "CIO_POSTMARK_CONFIG_DIR"],
      ["POSTMARK_SMTP_ACCESS_KEY"],
    ],
    [
      "status",
      ["CIO_POSTMARK_CONFIG_DIR"],
      ["POSTMARK_ACCOUNT_TOKEN", "POSTMARK_SERVER_TOKEN", "POSTMARK_SMTP_ACCESS_KEY", "POSTMARK_SMTP_SECRET_KEY", "POSTMARK_API_URL"],
    ],
    [
      "remove",
      ["POSTMARK_ACCOUNT_TOKEN", "POSTMARK_SERVER_TOKEN", "POSTMARK_API_URL", "CIO_POSTMARK_CONFIG_DIR"],
      ["POSTMARK_SMTP_ACCESS_KEY", "POSTMARK_SMTP_SECRET_KEY"],
    ],
  ])("%s --help --all shows the global options and only the variables it reads", async (command, reads, ignores) => {
    const help = await runBinary([command, "--help", "--all"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Global Options:");
    for (const option of globals) expect(help.stdout).toContain(option);
    for (const name of reads) expect(help.stdout).toContain(`  ${name} `);
    for (const name of ignores) expect(help.stdout).not.toContain(name);
  });

  it.each([[[]], [["setup"]], [["doctor"]], [["status"]], [["remove"]], [["apply"]], [["recipient"]]])(
    "%j --help fits one 24-row screen of 80 columns, and says how to see the rest",
    async (command) => {
      const run = await runBinary([...command, "--help"]);
      const help = run.stdout.trimEnd().split("\n");
      expect(help.length).toBeLessThanOrEqual(24);
      expect(help.filter((line) => [...line].length > 80)).toEqual([]);
      expect(help.at(-1)).toBe(`Every option, variable and exit code: ${["cio-postmark", ...command, "--help", "--all"].join(" ")}`);
      expect(run.stdout).toMatch(/^Global options: -V --json --no-input --no-color --config-dir --sandbox --trace$/m);
      expect(run.stdout).toMatch(/^Reads (POSTMARK_|CIO_POSTMARK_CONFIG_DIR)/m);
    },
  );

  it.each([[[]], [["setup"]], [["doctor"]], [["status"]], [["remove"]], [["apply"]], [["recipient"]]])(
    "%j --help --all fits 80 columns, with one block of variables and the exit codes",
    async (command) => {
      const run = await runBinary([...command, "--help", "--all"]);
      expect(run.status).toBe(0);
      const help = run.stdout.trimEnd().split("\n");
      expect(help.filter((line) => [...line].length > 80)).toEqual([]);
      expect(help.filter((line) => line === "Environment variables:")).toHaveLength(1);
      expect(run.stdout).toContain("Exit codes: 0 success, 1 failure, 2 usage error");
    },
  );

  it("--help shows setup's common options; --help --all adds the rest", async () => {
    const short = (await runBinary(["setup", "--help"])).stdout;
    const all = (await runBinary(["setup", "--help", "--all"])).stdout;
    const common = [
      "--server",
      "--stream",
      "--region",
      "--smtp-access-key",
      "--smtp-secret-stdin",
      "--skip-smtp",
      "--dry-run",
      "--send-test",
    ];
    for (const flag of common) expect(short).toContain(`  ${flag}`);
    for (const flag of ["--smtp-host", "--smtp-port", "--no-store-secrets", "--no-verify-webhook", "--to"]) {
      expect(short).not.toContain(`  ${flag}`);
      expect(all).toContain(`  ${flag}`);
    }
  });

  it("setup's help says two triggers on a broadcast stream, and why", async () => {
    const help = (await runBinary(["setup", "--help", "--all"])).stdout.replace(/\s+/g, " ");
    expect(help).toContain(
      "a broadcast stream gets two, Delivery and Subscription Change (Postmark reports its hard bounces and spam complaints as " +
        "Subscription Change)",
    );
  });
});

describe("status --reveal", () => {
  it.each([
    ["--no-input", ["--no-input"], {}],
    ["--json", ["--json"], {}],
    ["CI=true", [], { CI: "true" }],
  ])("without --yes where nobody can be asked (%s): refused, and the Secret Key is not printed", async (_name, flags, env) => {
    world = await startWorld();
    expect((await setup("--region", "us")).code).toBe(0);
    const run = await world.run(["status", "--reveal", ...flags], { env });
    expect(run.code).toBe(2);
    expect(`${run.stdout}${run.stderr}`).toContain("this run cannot ask first");
    expect(`${run.stdout}${run.stderr}`).toContain("cio-postmark status --reveal --yes --server 2001 --stream outbound");
    expect(`${run.stdout}${run.stderr}`).not.toContain("sk-ULTRA-secret-9f8e7d6c5b4a39281706");
  });

  it("prints the one saved connection's Access Key and Secret Key with --yes; --server and --stream may be left out then", async () => {
    world = await startWorld();
    expect((await setup("--region", "us")).code).toBe(0);
    const run = await world.run(["status", "--reveal", "--yes"], { env: {} });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Access Key   ak-5b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d");
    expect(run.stdout).toContain("Secret Key   sk-ULTRA-secret-9f8e7d6c5b4a39281706");
    const json = await world.run(["status", "--reveal", "--yes", "--server", "Production", "--stream", "outbound", "--json"], {
      env: {},
    });
    expect(json.json()).toEqual({
      ok: true,
      server: { id: 2001, name: "Production" },
      stream: { id: "outbound" },
      accessKey: "ak-5b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d",
      secretKey: "sk-ULTRA-secret-9f8e7d6c5b4a39281706",
    });
    // Plain status still masks it.
    expect((await world.run(["status"], { env: {} })).stdout).not.toContain("sk-ULTRA-secret-9f8e7d6c5b4a39281706");
  });

  it("with two saved connections, asks for --server and --stream (exit 2)", async () => {
    world = await startWorld();
    expect((await setup("--region", "us")).code).toBe(0);
    const broadcastEnv = { ...env, POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY, POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY };
    expect((await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "us"], { env: broadcastEnv })).code).toBe(0);
    const run = await world.run(["status", "--reveal", "--json"], { env: {} });
    expect(run.code).toBe(2);
    expect(run.json().error.message).toBe(
      "status --reveal prints one connection's key pair: name it with --server and --stream (2 saved connections).",
    );
    expect(run.stdout).not.toContain("sk-");
    const one = await world.run(["status", "--reveal", "--yes", "--server", "2001", "--stream", "broadcast", "--json"], { env: {} });
    expect(one.json().secretKey).toBe(BROADCAST_SECRET_KEY);
  });

  it("refuses a connection saved with --no-store-secrets, saying the secret was never stored", async () => {
    world = await startWorld();
    expect((await setup("--region", "us", "--no-store-secrets")).code).toBe(0);
    const run = await world.run(["status", "--reveal", "--json"], { env: {} });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "secret_not_stored",
      message: "The Secret Key of Production / outbound is not in the saved config: it is not stored (--no-store-secrets).",
    });
  });

  it("--server, --stream and --yes without --reveal are a usage error", async () => {
    world = await startWorld();
    const run = await world.run(["status", "--server", "Production"], { env: {} });
    expect(run.code).toBe(2);
  });
});

describe("words that agree with what happens", () => {
  it("a re-run names the values it takes from the saved connection", async () => {
    world = await startWorld();
    expect((await setup("--region", "eu")).code).toBe(0);
    const again = await world.run(["setup", "--no-input", "--stream", "outbound"], {
      env: { ...env, POSTMARK_SMTP_ACCESS_KEY: undefined, POSTMARK_SMTP_SECRET_KEY: undefined },
    });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("Using the saved region EU (change it with --region).");
    expect(again.stderr).toContain(
      "Using the saved SMTP token (Access Key ak-5b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d; change it with --smtp-access-key).",
    );
  });

  it("says 'Creating' for a new webhook, 'Updating' only for a change, and neither when the webhook stays as it is", async () => {
    world = await startWorld();
    const created = await setup("--region", "us");
    expect(created.stderr).toContain("✔ Creating the webhook in Postmark");
    const kept = await setup("--region", "us");
    expect(kept.stderr).toContain("✔ Saving the connection");
    expect(kept.stderr).not.toMatch(/Updating the webhook|Creating the webhook/);
    world.simulator.state.webhooks[0]!.Triggers.Open.Enabled = true;
    expect((await setup("--region", "us")).stderr).toContain("✔ Updating the webhook in Postmark");
  });

  it("says a first event Bounced is what Postmark's soft-bounce test address gives", async () => {
    world = await startWorld();
    const run = await setup("--region", "us", "--send-test", "--from", SENDER);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/went through stream "outbound", and Postmark's bounce test address bounced it, as it is made to \(/);
  });

  it("a scripted run still says how to add a broadcast stream, since no offer follows", async () => {
    world = await startWorld();
    const run = await setup("--region", "us");
    expect(run.stdout).toContain("Sending broadcasts too? Run setup again for a broadcast stream");
  });

  it("never suggests a broadcast stream once one of the server's is connected", async () => {
    world = await startWorld();
    const broadcast = await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "us", "--skip-smtp"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    expect(broadcast.code).toBe(0);
    const run = await setup("--region", "us");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("Sending broadcasts too?");
  });
});

describe("the one step no API can do", () => {
  it("a broadcast stream on Postmark's unsubscribe handling gets the request to Postmark support, ready to send", async () => {
    world = await startWorld();
    const run = await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "us", "--skip-smtp"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "Recipients may see two unsubscribe links until Postmark support switches this stream to custom handling. Send " +
        "support@postmarkapp.com:\n" +
        '  Subject: Custom unsubscribe handling for stream "broadcast" of server Production (ID 2001)\n' +
        '  Hello, please switch message stream "broadcast" of server "Production" (ID 2001) to custom unsubscribe handling.',
    );
    const outbound = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { env });
    expect(outbound.stdout).not.toContain("support@postmarkapp.com");
  });
});
