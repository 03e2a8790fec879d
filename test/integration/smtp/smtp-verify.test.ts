import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Trace } from "../../../src/trace.js";
import { SecretRegistry } from "../../../src/ui/redact.js";
import {
  sendSmtpMessage,
  smtpTranscript,
  verifySmtp,
  type OutgoingMessage,
  type SmtpCredentials,
  type VerifyOptions,
} from "../../../src/smtp/verify.js";
import { startLoopbackSmtp, type LoopbackSmtp, type LoopbackSmtpOptions } from "../../../src/sandbox/smtp-server.js";
import { ACCESS_KEY, SECRET_KEY, testCertificate } from "../../helpers/world.js";

/** The SMTP check against a real server on loopback: each way it can fail, by code, words and hint. */

const HOST = "smtp.postmarkapp.com";
const credentials: SmtpCredentials = { host: HOST, port: 587, accessKey: ACCESS_KEY, secretKey: SECRET_KEY };
const message: OutgoingMessage = {
  from: "alerts@signature.test",
  to: "test@blackhole.postmarkapp.com",
  subject: "s",
  text: "t",
  html: "<p>t</p>",
  headers: { "X-PM-Tag": "cio-postmark-test" },
};

let smtp: LoopbackSmtp | undefined;
let silent: Server | undefined;
afterEach(async () => {
  await smtp?.close();
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  smtp = silent = undefined;
});

/** Overall limits well above the idle timeouts these cases are about. */
const DEADLINES = { handshakeMs: 10_000, messageMs: 20_000 };

async function loopback(options: Partial<LoopbackSmtpOptions> = {}): Promise<VerifyOptions & { steps: string[] }> {
  const certificate = testCertificate();
  smtp = await startLoopbackSmtp({ certificate, keyPairs: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }], ...options });
  const steps: string[] = [];
  return {
    route: { ca: certificate.cert, connectTo: { host: "127.0.0.1", port: smtp.port } },
    timeoutMs: 3_000,
    deadlines: DEADLINES,
    onStep: (step) => steps.push(step),
    steps,
  };
}

describe("verifySmtp", () => {
  it("proves a good key pair over STARTTLS, step by step, and sends no message", async () => {
    const options = await loopback();
    await verifySmtp(credentials, options);
    expect(options.steps).toEqual(["connected", "encrypted", "authenticated"]);
    expect(smtp!.logins).toEqual([{ accessKey: ACCESS_KEY, accepted: true, secure: true }]);
    expect(smtp!.messages).toBe(0);
  });

  it("a rejected key pair: smtp_auth_rejected, the Access Key masked, how far it got", async () => {
    const options = await loopback();
    const error = await verifySmtp({ ...credentials, secretKey: "sk-wrong-secret-000000" }, options).catch((caught) => caught);
    expect(error).toMatchObject({
      code: "smtp_auth_rejected",
      message:
        `The SMTP server at ${HOST}:587 rejected the key pair (Access Key ••••1c2d). (got as far as: connected, STARTTLS ` +
        `encryption on)`,
      hint:
        "Copy the Access Key and Secret Key again from the stream's Settings tab. A token only works for the stream it was " +
        "generated on, and Postmark shows the Secret Key once: if it is lost, generate a new token.",
    });
    expect(error.message).not.toContain("sk-wrong");
  });

  it("no STARTTLS offered: the keys are never sent", async () => {
    const options = await loopback({ noStartTls: true });
    await expect(verifySmtp(credentials, options)).rejects.toMatchObject({
      code: "smtp_no_starttls",
      message: `The SMTP server at ${HOST}:587 did not offer STARTTLS encryption, so the keys were not sent. (got as far as: connected)`,
      hint: "Postmark always offers STARTTLS on ports 587, 2525 and 25: check --smtp-host and --smtp-port.",
    });
    expect(smtp!.logins).toEqual([]);
  });

  it("no AUTH offered: smtp_auth_failed, with where to look", async () => {
    const options = await loopback({ noAuth: true });
    await expect(verifySmtp(credentials, options)).rejects.toMatchObject({
      code: "smtp_auth_failed",
      message:
        `The SMTP server at ${HOST}:587 did not accept authentication: 500 Error: command not recognized. (got as far as: ` +
        `connected, STARTTLS encryption on)`,
      hint:
        "Make sure SMTP is enabled on the server and that the host matches the stream type (smtp.postmarkapp.com for transactional, " +
        "smtp-broadcasts.postmarkapp.com for broadcasts).",
    });
  });

  it("a certificate that is not trusted, or not for the host: smtp_certificate, nothing sent", async () => {
    const options = await loopback();
    await expect(verifySmtp(credentials, { ...options, route: { connectTo: options.route.connectTo } })).rejects.toMatchObject({
      code: "smtp_certificate",
      message: expect.stringMatching(
        new RegExp(`^The certificate of ${HOST}:587 could not be trusted \\([A-Z_]+\\)\\. \\(got as far as: connected\\)$`),
      ),
      // Both remedies of a TLS-inspecting proxy, and never "turn verification off".
      hint: expect.stringMatching(/inspecting TLS.*NODE_USE_SYSTEM_CA=1.*NODE_EXTRA_CA_CERTS=\/path\/to\/ca\.pem/),
    });
    await expect(verifySmtp({ ...credentials, host: "smtp.example.com" }, options)).rejects.toMatchObject({
      code: "smtp_certificate",
      message: expect.stringContaining("(ERR_TLS_CERT_ALTNAME_INVALID)"),
      hint: expect.stringContaining("Check --smtp-host"),
    });
    expect(smtp!.logins).toEqual([]);
  });

  it("a closed port: smtp_port_blocked", async () => {
    const options = await loopback();
    const port = smtp!.port;
    await smtp!.close();
    smtp = undefined;
    await expect(
      verifySmtp(credentials, { ...options, route: { ...options.route, connectTo: { host: "127.0.0.1", port } } }),
    ).rejects.toMatchObject({
      code: "smtp_port_blocked",
      message: `Could not connect to ${HOST}:587 (ECONNREFUSED): the port may be blocked on this network.`,
      // What a blocked port means for Customer.io, and the proofs that do not need the port.
      hint: expect.stringMatching(
        /Customer\.io's servers, not this network, connect to Postmark's SMTP.*--smtp-proxy URL.*doctor --end-to-end/,
      ),
    });
  });

  it("a server that never greets: smtp_port_blocked, the wait in whole seconds", async () => {
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    await expect(
      verifySmtp(credentials, { route: { connectTo: { host: "127.0.0.1", port } }, timeoutMs: 600, deadlines: DEADLINES }),
    ).rejects.toMatchObject({
      code: "smtp_port_blocked",
      message: `No answer from ${HOST}:587 within 1 s: the port may be blocked on this network. (got as far as: connected)`,
      // What a blocked port means for Customer.io, and the proofs that do not need the port.
      hint: expect.stringMatching(
        /Customer\.io's servers, not this network, connect to Postmark's SMTP.*--smtp-proxy URL.*doctor --end-to-end/,
      ),
    });
  });

  it("a connection reset after the greeting: smtp_failed, not a refused connection", async () => {
    silent = createServer((socket) => {
      socket.write("220 hello\r\n");
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    await expect(
      verifySmtp(credentials, { route: { connectTo: { host: "127.0.0.1", port } }, timeoutMs: 3_000, deadlines: DEADLINES }),
    ).rejects.toMatchObject({ code: "smtp_failed" });
  });

  it("a server that refuses at the greeting: smtp_failed, its words escaped", async () => {
    silent = createServer((socket) => socket.end("554 no\u001b[2J service\r\n"));
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const error = await verifySmtp(credentials, {
      route: { connectTo: { host: "127.0.0.1", port } },
      timeoutMs: 3_000,
      deadlines: DEADLINES,
    }).catch((caught) => caught);
    expect(error).toMatchObject({
      code: "smtp_failed",
      hint: "Check your network, --smtp-host and --smtp-port, then run the command again.",
    });
    expect(error.message).toMatch(
      new RegExp(`^The SMTP check against ${HOST}:587 failed: .*\\\\x1b\\[2J.*\\. \\(got as far as: connected\\)$`),
    );
  });

  /** A server on loopback that does what `onConnection` says; answers the port. */
  async function serving(onConnection: (socket: import("node:net").Socket) => void): Promise<number> {
    silent = createServer((socket) => {
      socket.on("error", () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    return (silent.address() as AddressInfo).port;
  }
  const against = (port: number, timeoutMs: number, deadlines = DEADLINES) =>
    verifySmtp(credentials, { route: { connectTo: { host: "127.0.0.1", port } }, timeoutMs, deadlines }).catch((caught) => caught);

  it("a 535 in the greeting is the server's refusal, never the key pair's: the keys were not sent", async () => {
    const error = await against(await serving((socket) => socket.end("535 go away\r\n")), 3_000);
    expect(error).toMatchObject({ code: "smtp_failed" });
    expect(error.message).toMatch(
      new RegExp(`^The SMTP check against ${HOST}:587 failed: .*535 go away.*\\. \\(got as far as: connected\\)$`),
    );
  });

  it("silence past the overall deadline, before any greeting: the port may be blocked", async () => {
    const error = await against(await serving((socket) => socket.resume()), 5_000, { handshakeMs: 1_000, messageMs: 2_000 });
    expect(error).toMatchObject({
      code: "smtp_port_blocked",
      message: `No answer from ${HOST}:587 within 1 s: the port may be blocked on this network.`,
      // What a blocked port means for Customer.io, and the proofs that do not need the port.
      hint: expect.stringMatching(
        /Customer\.io's servers, not this network, connect to Postmark's SMTP.*--smtp-proxy URL.*doctor --end-to-end/,
      ),
    });
  });

  it("a greeting that never ends, past the overall deadline: the server stalled before any command", async () => {
    const port = await serving((socket) => {
      const drip = setInterval(() => socket.write("220-still greeting\r\n"), 100);
      socket.on("close", () => clearInterval(drip));
    });
    const error = await against(port, 3_000, { handshakeMs: 1_500, messageMs: 3_000 });
    expect(error).toMatchObject({ code: "smtp_timeout", message: `${HOST}:587 gave no final answer within 2 s.` });
  });

  it("half a greeting, then silence: the idle timeout blames the server, naming no command", async () => {
    const error = await against(await serving((socket) => socket.resume().write("220-first line only\r\n")), 600);
    expect(error).toMatchObject({ code: "smtp_timeout", message: `No answer from ${HOST}:587 for 1 s. (got as far as: connected)` });
  });

  /** A server that answers the greeting and EHLO, then drips a continuation line every 100 ms after `stallAt`, never ending it. */
  async function dripping(stallAt: "STARTTLS" | "EHLO"): Promise<number> {
    silent = createServer((socket) => {
      socket.write("220 drip.example ESMTP\r\n");
      socket.on("data", (chunk) => {
        const command = String(chunk).trim().split(" ")[0]!.toUpperCase();
        if (command === stallAt) {
          const drip = setInterval(() => socket.write(`${command === "EHLO" ? "250" : "220"}-still thinking\r\n`), 100);
          socket.on("close", () => clearInterval(drip));
        } else if (command === "EHLO") socket.write("250-drip.example\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    return (silent.address() as AddressInfo).port;
  }

  it.each([
    ["STARTTLS", "after STARTTLS"],
    ["EHLO", "after EHLO"],
  ] as const)(
    "a server that drips continuation lines after %s is cut off at the overall deadline, naming the stage",
    async (stallAt, stage) => {
      const port = await dripping(stallAt);
      const started = Date.now();
      const error = await verifySmtp(credentials, {
        route: { connectTo: { host: "127.0.0.1", port } },
        timeoutMs: 400,
        deadlines: { handshakeMs: 1_500, messageMs: 3_000 },
      }).catch((caught) => caught);
      // The idle timeout (400 ms) never fires while the server drips; the deadline does.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toMatchObject({
        code: "smtp_timeout",
        message: `${HOST}:587 gave no final answer ${stage} within 2 s.`,
        hint:
          "The server answered at first, then stalled: try again in a few minutes; if it persists, run with --trace FILE and report " +
          "it.",
      });
      expect(error.message).not.toContain("blocked");
    },
  );

  it("a server that greets, then says nothing more: the idle timeout names the stage, without blaming the port", async () => {
    silent = createServer((socket) => socket.resume().write("220 quiet.example ESMTP\r\n"));
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const error = await verifySmtp(credentials, {
      route: { connectTo: { host: "127.0.0.1", port } },
      timeoutMs: 600,
      deadlines: DEADLINES,
    }).catch((caught) => caught);
    expect(error).toMatchObject({
      code: "smtp_timeout",
      message: `No answer from ${HOST}:587 after EHLO for 1 s. (got as far as: connected)`,
    });
    expect(`${error.message} ${error.hint}`).not.toMatch(/blocked|2525/);
  });
});

describe("sendSmtpMessage", () => {
  it("sends one message through the proven session", async () => {
    const received: string[] = [];
    const options = await loopback({ onMessage: (got) => received.push(`${got.from} -> ${got.to.join(",")} ${got.headers["x-pm-tag"]}`) });
    await sendSmtpMessage(credentials, message, options);
    expect(received).toEqual(["alerts@signature.test -> test@blackhole.postmarkapp.com cio-postmark-test"]);
    expect(options.steps).toEqual(["connected", "encrypted", "authenticated"]);
  });

  it("a sender Postmark does not take: send_test_rejected at MAIL FROM, with the server's reply", async () => {
    const options = await loopback({ acceptsSender: () => false });
    await expect(sendSmtpMessage(credentials, message, options)).rejects.toMatchObject({
      code: "send_test_rejected",
      message: `${HOST}:587 refused the test message at MAIL FROM: 550 5.7.1 Sender signature not confirmed for alerts@signature.test`,
      hint:
        "The sender (--from) must be a confirmed sender signature or an address on a verified domain in Postmark, and the recipient " +
        "(--to) a valid address.",
    });
    expect(smtp!.messages).toBe(0);
  });

  it.each([
    ["RCPT TO", "550 5.1.1 Recipient address rejected"],
    ["DATA", "554 5.7.1 Message refused"],
  ] as const)("a refusal at %s is send_test_rejected too, with the reply", async (command, reply) => {
    const options = await loopback({ refuseAt: command });
    await expect(sendSmtpMessage(credentials, message, options)).rejects.toMatchObject({
      code: "send_test_rejected",
      message: `${HOST}:587 refused the test message at ${command}: ${reply}`,
    });
  });

  it("a rejected key pair while sending is the key pair's fault, not the message's", async () => {
    const options = await loopback();
    await expect(sendSmtpMessage({ ...credentials, secretKey: "sk-wrong-secret-000000" }, message, options)).rejects.toMatchObject({
      code: "smtp_auth_rejected",
    });
  });
});

describe("the SMTP dialogue in --trace", () => {
  it("keeps each line as it was, except what answers an AUTH: the payload on its line, or the lines after a 334", () => {
    const path = join(mkdtempSync(join(tmpdir(), "cio-smtp-trace-")), "trace.jsonl");
    const record = smtpTranscript(
      Trace.open(path, new SecretRegistry(), { configDir: mkdtempSync(join(tmpdir(), "cio-config-")), fileModes: true }),
    );
    const dialogue: Array<[string | undefined, string]> = [
      ["client", "abc"],
      ["server", "220 smtp.postmarkapp.com ESMTP"],
      [undefined, "not a line of the dialogue"],
      ["network", "connected"],
      ["client", "EHLO host"],
      ["client", "AUTH LOGIN"],
      ["server", "334 VXNlcm5hbWU6"],
      ["client", "dXNlcm5hbWU="],
      ["server", "334 UGFzc3dvcmQ6"],
      ["client", "c2VjcmV0"],
      ["server", "235 2.7.0 Authentication successful"],
      ["client", "auth plain AHVzZXIAcGFzcw=="],
      ["client", "AUTH  XOAUTH2   dG9rZW4="],
      ["server", "250 334 is not at the start"],
      ["client", "XAUTH PLAIN not-an-auth-line"],
      ["client", "MAIL FROM:<a@b.c>"],
    ];
    for (const [direction, line] of dialogue) record(direction, line);
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map(({ direction, line }) => `${direction} ${line}`)).toEqual([
      "client abc",
      "server 220 smtp.postmarkapp.com ESMTP",
      "client EHLO host",
      "client AUTH LOGIN",
      "server 334 VXNlcm5hbWU6",
      "client ••••",
      "server 334 UGFzc3dvcmQ6",
      "client ••••",
      "server 235 2.7.0 Authentication successful",
      "client auth plain ••••",
      "client AUTH  XOAUTH2 ••••",
      "server 250 334 is not at the start",
      "client XAUTH PLAIN not-an-auth-line",
      "client MAIL FROM:<a@b.c>",
    ]);
    expect(lines.every((line) => line.kind === "smtp")).toBe(true);
  });

  it("a host that does not resolve: smtp_dns, naming it", async () => {
    await expect(
      verifySmtp({ ...credentials, host: "no-such-host.invalid" }, { route: {}, timeoutMs: 3_000, deadlines: DEADLINES }),
    ).rejects.toMatchObject({
      code: "smtp_dns",
      message: "Cannot find the SMTP host no-such-host.invalid.",
      hint: "Check the host name and your DNS or network connection.",
    });
  });
});
