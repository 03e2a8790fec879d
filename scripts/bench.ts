/**
 * Prints one table of the performance figures (start-up, round trips, concurrency, memory), each measured in this run on this machine.
 * Ratios compare measurements taken side by side, so a noisy shared machine moves both sides.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../src/main.js";
import { AccountApi } from "../src/postmark/account-api.js";

import { parsePostmarkApiUrl } from "../src/postmark/base-url.js";
import { createRuntime, type RunOverrides } from "../src/runtime.js";
import { CHECKS } from "../src/doctor/checks/index.js";
import { collectFacts } from "../src/doctor/facts.js";
import { runChecks } from "../src/doctor/runner.js";
import { buildAccount } from "../src/sandbox/account.js";
import { makeCertificate } from "../src/sandbox/certificate.js";
import { SANDBOX_CREDENTIALS } from "../src/sandbox/credentials.js";
import { PostmarkSimulator, type LoggedRequest } from "../src/sandbox/postmark/simulator.js";
import { sentMessageOf, startLoopbackSmtp } from "../src/sandbox/smtp-server.js";
import { SecretRegistry } from "../src/ui/redact.js";
import { installCold, pack, packCommit } from "./package-footprint.js";
import { plural } from "../src/core/words.js";
import { agencyFile, startAgency } from "../test/helpers/agency.js";
import { finishedSteps } from "../test/helpers/pty.js";
import { oneRequestIn } from "../src/sandbox/faults.js";
import { CustomerIoSimulator } from "../src/sandbox/customerio-simulator.js";

const LATENCY_MS = 100;
const ROOT = new URL("..", import.meta.url).pathname;
const BIN = join(ROOT, "bin/cio-postmark.js");
const ACCOUNT_TOKEN = "bench-account-token-000000";
const SERVER_TOKEN = "bench-server-token-000000";
const KEYS = { accessKey: "bench-access-key", secretKey: "bench-secret-key-000000" };
const rows: Array<[string, string, string]> = [];
const row = (what: string, figure: string, target: string) => {
  rows.push([what, figure, target]);
  console.error(`  ${what}: ${figure}`);
};
/**
 * How many rounds of requests a run waited for one after another: the longest chain of requests
 * in which each started only after the one before it had finished.
 */
function sequentialRounds(requests: Pick<LoggedRequest, "startedAt" | "finishedAt">[]): number {
  const sorted = [...requests].sort((a, b) => a.finishedAt - b.finishedAt);
  const depth: number[] = [];
  sorted.forEach((request, i) => {
    let best = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.finishedAt <= request.startedAt) best = Math.max(best, depth[j]!);
    depth.push(best + 1);
  });
  return Math.max(0, ...depth);
}

const rounds = (requests: Parameters<typeof sequentialRounds>[0]) => {
  const count = sequentialRounds(requests);
  return `${count} sequential round${count === 1 ? "" : "s"}`;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** hyperfine in several short rounds, medians over all of them: a burst of load hits every command alike. */
function startupRatios() {
  const out = join(mkdtempSync(join(tmpdir(), "cio-bench-")), "hyperfine.json");
  const commands = ["node -e 0", `node ${BIN} --version`, `node ${BIN} --help`];
  const times: number[][] = commands.map(() => []);
  for (let round = 0; round < 6; round++) {
    execFileSync("hyperfine", ["-N", "--warmup", "2", "--runs", "10", "--export-json", out, ...commands], { stdio: "ignore" });
    (JSON.parse(readFileSync(out, "utf8")).results as Array<{ times: number[] }>).forEach((result, i) => times[i]!.push(...result.times));
  }
  const [bare, version, help] = times.map((samples) => median(samples) * 1000);
  row("`node -e 0` (median of 60, in 6 interleaved rounds)", `${bare!.toFixed(1)} ms`, "baseline");
  row("`--version` vs `node -e 0`", `${version!.toFixed(1)} ms = ${(version! / bare!).toFixed(2)}x`, "≤ 1.3x");
  row("`--help` vs `node -e 0`", `${help!.toFixed(1)} ms = ${(help! / bare!).toFixed(2)}x`, "≤ 1.15x");
}

async function world() {
  const certificate = await makeCertificate();
  const simulator = await PostmarkSimulator.start(
    buildAccount({
      accountToken: ACCOUNT_TOKEN,
      servers: [{ id: 3001, name: "Bench", tokens: [SERVER_TOKEN] }],
      domains: [{ Name: "bench.example" }],
    }),
    { messageDelayMs: 1_000, eventDelayMs: 1_000 },
  );
  const smtp = await startLoopbackSmtp({
    certificate,
    keyPairs: [{ ...KEYS, serverId: 3001, streamId: "outbound" }],
    acceptsSender: (address) => simulator.acceptsSender(address),
    onMessage: (message) => simulator.recordMessage(sentMessageOf(message)),
  });
  simulator.latencyMs = LATENCY_MS;
  const configDir = mkdtempSync(join(tmpdir(), "cio-bench-"));
  const overrides: RunOverrides = { smtpRoute: { ca: certificate.cert, connectTo: { host: "127.0.0.1", port: smtp.port } } };
  const env = {
    POSTMARK_API_URL: simulator.url,
    CIO_POSTMARK_CONFIG_DIR: configDir,
    POSTMARK_SMTP_ACCESS_KEY: KEYS.accessKey,
    POSTMARK_SMTP_SECRET_KEY: KEYS.secretKey,
  };
  const run = async (argv: string[], extraEnv: NodeJS.ProcessEnv) => {
    const sink = new PassThrough();
    let stdout = "";
    sink.on("data", (chunk) => (stdout += chunk));
    const started = performance.now();
    const before = simulator.requests.length;
    const code = await main(
      argv,
      { stdin: new PassThrough(), stdout: sink, stderr: new PassThrough().resume(), env: { ...env, ...extraEnv } },
      overrides,
    );
    if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}`);
    return { ms: performance.now() - started, requests: simulator.requests.slice(before), stdout };
  };
  return { simulator, smtp, configDir, overrides, env, run, close: () => Promise.all([simulator.close(), smtp.close()]) };
}

async function setupRoundTrips() {
  // One run first, so the figures below measure waiting on the network, not loading modules.
  const warmUp = await world();
  await warmUp.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
  await warmUp.close();
  // A create is read back once (racing runs converge on one webhook): one round more than the create itself.
  for (const [variant, env, args, target] of [
    ["server token", { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, [], [3, 1]],
    ["account token", { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, ["--server", "Bench"], [4, 2]],
  ] as const) {
    const w = await world();
    const argv = ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", ...args];
    const first = await w.run(argv, env);
    const again = await w.run(argv, env);
    row(
      `scripted setup, ${variant}, ${LATENCY_MS} ms latency (in-process, SMTP check included)`,
      `${first.ms.toFixed(0)} ms, ${first.requests.length} requests in ${rounds(first.requests)}`,
      `≤ ${target[0]} rounds`,
    );
    row(
      `re-run that changes nothing, ${variant}`,
      `${again.ms.toFixed(0)} ms, ${again.requests.length} requests in ${rounds(again.requests)}`,
      `≤ ${target[1]} round${target[1] === 1 ? "" : "s"}`,
    );
    await w.close();
  }
}

async function doctorRatio() {
  const w = await world();
  await w.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
  const env = { ...w.env, POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN };
  const runtime = await createRuntime(
    { input: false },
    { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env },
    new SecretRegistry(),
    w.overrides,
  );
  const [connection] = await runtime.store.list();
  const singles: Array<[string, number]> = [];
  for (const check of CHECKS) {
    const started = performance.now();
    await check.run(collectFacts(runtime, connection!)); // fresh facts: the check pays for its own reads
    singles.push([check.id, performance.now() - started]);
  }
  const [slowestId, slowest] = singles.reduce((a, b) => (b[1] > a[1] ? b : a));
  const started = performance.now();
  await runChecks(CHECKS, collectFacts(runtime, connection!));
  const all = performance.now() - started;
  row(
    `doctor, all ${CHECKS.length} checks vs slowest alone (${slowestId}), ${LATENCY_MS} ms latency`,
    `${all.toFixed(0)} ms vs ${slowest.toFixed(0)} ms = ${(all / slowest).toFixed(2)}x`,
    "≤ 1.3x",
  );
  await w.close();
}

/**
 * An agency's doctor: 200 saved connections at 50 ms latency. The cap lets 8 requests through per
 * round trip, so the Postmark part cannot take less than ceil(requests / 8) x 50 ms; the wall time is
 * compared with that. Then again with one request in five answered 429 (the real 1 s backoff).
 */
async function doctorAtScale() {
  const AGENCY_LATENCY_MS = 50;
  const run = async (everyFifth429: boolean) => {
    const agency = await startAgency(200);
    agency.simulator.latencyMs = AGENCY_LATENCY_MS;
    if (everyFifth429) agency.simulator.injectFault(oneRequestIn(5, { kind: "status", status: 429 }));
    const sink = new PassThrough();
    let stdout = "";
    sink.on("data", (chunk) => (stdout += chunk));
    const started = performance.now();
    const code = await main(
      ["doctor", "--json"],
      { stdin: new PassThrough(), stdout: sink, stderr: new PassThrough().resume(), env: { PATH: process.env.PATH, ...agency.env } },
      { ...agency.overrides, rateLimit: undefined },
    );
    const ms = performance.now() - started;
    const document = JSON.parse(stdout) as { connections: Array<{ checks: Array<{ status: string }> }> };
    const right =
      code === 0 &&
      document.connections.length === 200 &&
      document.connections.every((connection) => connection.checks.every((check) => check.status === "pass" || check.status === "skip"));
    const requests = agency.simulator.requests.length;
    const limited = agency.simulator.requests.filter((request) => request.status === 429).length;
    const result = { ms, requests, limited, peak: agency.simulator.peakInFlight, handshakes: agency.smtp.peakSessions, right };
    await agency.close();
    return result;
  };
  const plain = await run(false);
  const theory = Math.ceil(plain.requests / 8) * AGENCY_LATENCY_MS;
  row(
    `doctor over 200 saved connections, ${AGENCY_LATENCY_MS} ms latency (${plain.requests} requests; theory ceil(requests / 8) x ` +
      `${AGENCY_LATENCY_MS} ms)`,
    `${(plain.ms / 1000).toFixed(2)} s vs ${(theory / 1000).toFixed(2)} s = ${(plain.ms / theory).toFixed(2)}x; peak ${plain.peak} ` +
      `requests and ${plain.handshakes} SMTP sessions in flight; every check ${plain.right ? "right" : "WRONG"}`,
    "≤ 1.5x, ≤ 8 and ≤ 4 in flight",
  );
  const stormy = await run(true);
  row(
    "the same with one request in five answered 429 (full jitter from 1 s)",
    `${(stormy.ms / 1000).toFixed(2)} s, ${stormy.limited} answers 429, peak ${stormy.peak} in flight; every check ` +
      `${stormy.right ? "right" : "WRONG"}`,
    "every check right",
  );
}

/**
 * An agency's connections file: 200 client streams, every webhook to be created and every SMTP pair
 * proved, at 50 ms latency. Its phases (find the servers, plan, apply) each wait for their slowest
 * connection, so the wall time is compared with ceil(requests / 8) x 50 ms as doctor's is.
 */
async function applyAtScale() {
  const AGENCY_LATENCY_MS = 50;
  const agency = await startAgency(200);
  agency.simulator.latencyMs = AGENCY_LATENCY_MS;
  agency.simulator.state.webhooks = [];
  const { document, env } = agencyFile(agency, 200);
  const file = join(agency.configDir, "..", "cio-postmark.json");
  writeFileSync(file, JSON.stringify(document));
  const sink = new PassThrough();
  let stdout = "";
  sink.on("data", (chunk) => (stdout += chunk));
  const started = performance.now();
  const code = await main(
    ["apply", "--file", file, "--yes", "--json"],
    { stdin: new PassThrough(), stdout: sink, stderr: new PassThrough().resume(), env: { PATH: process.env.PATH, ...env } },
    { ...agency.overrides, rateLimit: undefined },
  );
  const ms = performance.now() - started;
  const entries = (JSON.parse(stdout) as { connections: Array<{ webhook: { action: string } }> }).connections;
  const right = code === 0 && entries.length === 200 && entries.every((entry) => entry.webhook.action === "created");
  const requests = agency.simulator.requests.length;
  const theory = Math.ceil(requests / 8) * AGENCY_LATENCY_MS;
  row(
    `apply of a 200-connection file, every webhook created and SMTP pair proved, ${AGENCY_LATENCY_MS} ms latency (${requests} ` +
      `requests; theory ceil(requests / 8) x ${AGENCY_LATENCY_MS} ms)`,
    `${(ms / 1000).toFixed(2)} s vs ${(theory / 1000).toFixed(2)} s = ${(ms / theory).toFixed(2)}x; peak ` +
      `${agency.simulator.peakInFlight} requests and ${agency.smtp.peakSessions} SMTP sessions in flight; ` +
      `${right ? "all created" : "WRONG"}`,
    "≤ 1.5x, ≤ 8 and ≤ 4 in flight",
  );
  await agency.close();
}

/** --send-test: from sending the message to Postmark's word on its stream, polling once a second. */
async function sendTestProof() {
  const w = await world();
  const { ms, requests, stdout } = await w.run(
    ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", "--send-test", "--from", "bench@bench.example"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
  );
  const { sendTest } = JSON.parse(stdout).smtp;
  const searches = requests.filter((request) => request.path.startsWith("/messages/outbound"));
  row(
    `setup --send-test, ${LATENCY_MS} ms latency, message shown 1 s after sending and its event 1 s later`,
    `proof in ${sendTest.seconds} s (first event ${sendTest.firstEvent}), ${searches.length} Messages API requests; whole setup ` +
      `${ms.toFixed(0)} ms`,
    "≤ 1 request a second",
  );
  await w.close();
}

/** status --json with 10,000 saved connections against one: redaction must stay linear. */
async function statusAtScale() {
  const time = async (count: number) => {
    const dir = mkdtempSync(join(tmpdir(), "cio-bench-"));
    const connections = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `${i + 1}:outbound`,
        {
          serverId: i + 1,
          serverName: `Server ${i}`,
          streamId: "outbound",
          streamName: "o",
          streamType: "Transactional",
          region: "us",
          webhookId: i + 1,
          webhookUrl: "https://track.customer.io/postmark/events",
          smtp: { host: "smtp.postmarkapp.com", port: 587, accessKey: `ak-${i}`, secretKey: `secret-key-${i}-${"x".repeat(20)}` },
          serverToken: `server-token-${i}-${"y".repeat(20)}`,
          verifiedAt: null,
          updatedAt: "2026-01-01T00:00:00.000Z",
        },
      ]),
    );
    writeFileSync(join(dir, "config.json"), JSON.stringify({ schemaVersion: 1, connections }), { mode: 0o600 });
    const sink = new PassThrough().resume();
    const started = performance.now();
    const code = await main(["status", "--json"], {
      stdin: new PassThrough(),
      stdout: sink,
      stderr: sink,
      env: { CIO_POSTMARK_CONFIG_DIR: dir },
    });
    if (code !== 0) throw new Error(`status exited ${code}`);
    return performance.now() - started;
  };
  await time(1); // load the modules once, outside the figures
  const one = await time(1);
  const many = await time(10_000);
  row(
    "`status --json` with 10,000 saved connections vs with 1",
    `${many.toFixed(0)} ms vs ${one.toFixed(0)} ms (limit ${(2 * one + 1000).toFixed(0)} ms)`,
    "≤ 2x + 1 s",
  );
}

/**
 * The wizard's whole sitting in a real terminal, as a person types it: two rejected account tokens,
 * then both streams of Acme Production with a test message each. Then the same up to the second
 * stream's last question, and Ctrl-C there: how long the process takes to leave.
 */
async function wizardSitting() {
  const { spawn: spawnPty } = await import("@lydell/node-pty");
  const drive = (stopAtTheEnd: boolean) =>
    new Promise<{ ms: number; steps: number; stopMs?: number; exitCode: number }>((resolve) => {
      const pty = spawnPty(process.execPath, [BIN, "--sandbox", "--config-dir", mkdtempSync(join(tmpdir(), "cio-bench-"))], {
        cols: 80,
        rows: 40,
        env: { PATH: process.env.PATH ?? "", TERM: "xterm-256color", HOME: process.env.HOME ?? "/tmp" },
      });
      let screen = "";
      let typed = 0;
      let stopSent = 0;
      const started = performance.now();
      // eslint-disable-next-line no-control-regex
      const flat = () => screen.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\s+/g, " ");
      // Each answer waits until the screen, after `marker` shown for the n-th time, shows `prompt`.
      const script: Array<[marker: string, nth: number, prompt: string, keys: string]> = [
        ["", 0, "Which Postmark token will you use?", "\r"],
        ["", 0, "? Account token:", "wrong-token-one-0000000000\r"],
        ["(try 2 of 3)", 1, "? Account token:", "wrong-token-two-0000000000\r"],
        ["(try 3 of 3)", 1, "? Account token:", `${SANDBOX_CREDENTIALS.accountToken}\r`],
        ["(try 3 of 3)", 1, "? Server:", "\r"],
        ["? Server:", 1, "Message stream:", "\r"],
        ["Message stream:", 1, "Which Customer.io region", "\r"],
        ["Which Customer.io region", 1, "Access Key:", "sandbox-access-key-0001\r"],
        ["Which Customer.io region", 1, "Secret Key:", "sandbox-secret-key-0001\r"],
        ["Which Customer.io region", 1, "Send one test message", "\r"],
        ["Which Customer.io region", 1, "Send it from:", "\r"],
        ["Send it from:", 1, "Apply this plan", "\r"],
        ["Apply this plan", 1, 'Connect stream "broadcast"', "y\r"],
        ['Connect stream "broadcast"', 1, "Access Key:", "sandbox-access-key-0002\r"],
        ['Connect stream "broadcast"', 1, "Secret Key:", "sandbox-secret-key-0002\r"],
        // The sender chosen for outbound is used again: no second "Send it from".
        ['Connect stream "broadcast"', 1, "Send one test message", "\r"],
        // Prompts are drawn again on each key and once more when answered: mark by the offer, seen once before this plan.
        ['Connect stream "broadcast"', 1, "Apply this plan", "\r"],
        ["Both streams of Acme Production are connected", 1, "? Copy the Access Key and Secret Key", "\r"],
        ["? Copy the Access Key and Secret Key", 1, "Have you added the", stopAtTheEnd ? "\u0003" : "\r"],
      ];
      const ready = ([marker, nth, prompt]: (typeof script)[number]) => {
        const parts = flat().split(marker);
        return parts.length > nth && parts.slice(nth).join(marker).includes(prompt);
      };
      const deadline = setTimeout(() => pty.kill("SIGKILL"), 120_000);
      pty.onData((data) => {
        screen += data;
        const next = script[typed];
        if (next && ready(next)) {
          typed += 1;
          if (next[3] === "\u0003") stopSent = performance.now();
          pty.write(next[3]);
        }
      });
      pty.onExit(({ exitCode }) => {
        clearTimeout(deadline);
        const ended = performance.now();
        const steps = finishedSteps(flat());
        resolve({ ms: ended - started, steps, exitCode, ...(stopSent ? { stopMs: ended - stopSent } : {}) });
      });
    });
  const whole = await drive(false);
  if (whole.exitCode !== 0) throw new Error(`the sitting exited ${whole.exitCode}`);
  row(
    "the wizard's whole sitting in a pseudo-terminal (two rejected tokens, both streams, a test message each)",
    `${(whole.ms / 1000).toFixed(1)} s, ${whole.steps} spinner steps`,
    "no slowdown",
  );
  const stopped = await drive(true);
  row(
    `Ctrl-C at the last question of that sitting (after ${stopped.steps} spinner steps)`,
    `exit ${stopped.exitCode} after ${stopped.stopMs?.toFixed(0)} ms`,
    "130 within 1 s",
  );
}

async function bigAccount() {
  const simulator = await PostmarkSimulator.start(
    buildAccount({ accountToken: ACCOUNT_TOKEN, servers: Array.from({ length: 5000 }, (_, i) => ({ name: `Server ${i}` })) }),
  );
  simulator.latencyMs = LATENCY_MS;
  const api = new AccountApi(ACCOUNT_TOKEN, { endpoint: parsePostmarkApiUrl(simulator.url), timeoutMs: 10_000 });
  const started = performance.now();
  const servers = await api.listServers();
  const ms = performance.now() - started;
  row(
    `listing a 5,000-server account, ${LATENCY_MS} ms latency`,
    `${servers.length} servers: ${simulator.requests.length} page requests in ${rounds(simulator.requests)}, ${ms.toFixed(0)} ms`,
    "10 requests, ≤ 3 rounds",
  );
  await simulator.close();
}

/** Peak resident memory (MB) of one run of the built binary. */
function peakMemory(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const rssFile = join(mkdtempSync(join(tmpdir(), "cio-bench-")), "rss");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", join(ROOT, "scripts/report-rss.mjs"), BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        CIO_BENCH_RSS_FILE: rssFile,
        CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-bench-")),
        ...env,
      },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(Number(readFileSync(rssFile, "utf8")) / 1024) : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

async function peakMemories() {
  const sandbox = await peakMemory(["setup", "--sandbox", "--json", "--stream", "outbound", "--region", "us"], {
    POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
    POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
    POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
  });
  row("peak memory of a scripted `setup --sandbox` (its simulator and SMTP server included)", `${sandbox.toFixed(1)} MB`, "< 120 MB");
  const simulator = await PostmarkSimulator.start(buildAccount({ servers: [{ id: 3001, name: "Bench", tokens: [SERVER_TOKEN] }] }));
  const real = await peakMemory(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us", "--skip-smtp"], {
    POSTMARK_API_URL: simulator.url,
    POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
  });
  await simulator.close();
  row("peak memory of a scripted `setup --skip-smtp` against an API in another process", `${real.toFixed(1)} MB`, "< 120 MB");
}

/**
 * `doctor --end-to-end` in the sandbox, as the README recipe runs it: Customer.io's queue takes 1 s,
 * Postmark shows the message 1 s after it arrives and its event 1 s after that; polling once a second.
 * Through the broadcast stream the email goes to a mailbox (--to): its webhook carries no Bounce event,
 * so the soft bounce could never prove it, and the Delivery event does.
 */
async function sandboxEndToEnd(label: string, proof: { stream: string; accessKey: string; secretKey: string; key: string; to?: string }) {
  const env = {
    PATH: process.env.PATH,
    CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-bench-")),
    POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
    POSTMARK_SMTP_ACCESS_KEY: proof.accessKey,
    POSTMARK_SMTP_SECRET_KEY: proof.secretKey,
    CUSTOMERIO_APP_API_KEY: proof.key,
  };
  execFileSync(process.execPath, [BIN, "setup", "--sandbox", "--no-input", "--stream", proof.stream], { env, stdio: "ignore" });
  const started = performance.now();
  const args = ["doctor", "--sandbox", "--json", "--end-to-end", "--from", "alerts@acme.example", ...(proof.to ? ["--to", proof.to] : [])];
  const out = execFileSync(process.execPath, [BIN, ...args], { env, encoding: "utf8" });
  const ms = performance.now() - started;
  const check = (
    JSON.parse(out) as { connections: Array<{ checks: Array<{ id: string; status: string; stage?: string; seconds?: number }> }> }
  ).connections[0]!.checks.find((candidate) => candidate.id === "end-to-end")!;
  row(
    label,
    `${(ms / 1000).toFixed(1)} s for the whole command; the check: ${check.status}, stage ${check.stage}, ${check.seconds} s`,
    "pass, about 3-4 s",
  );
}

/**
 * recipient over two saved connections (outbound and broadcast), with a message to the address on
 * each: Postmark's requests and the rounds they took, without and with Customer.io (whose workspace,
 * person and deliveries are read once for both streams).
 */
async function recipientRounds() {
  const w = await world();
  for (const stream of ["outbound", "broadcast"])
    await w.run(["setup", "--no-input", "--skip-smtp", "--stream", stream, "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
  const address = "jane@bench.example";
  const sentAt = new Date(Date.now() - 3_600_000).toISOString();
  for (const stream of ["outbound", "broadcast"])
    w.simulator.recordMessage({
      ServerID: 3001,
      MessageStream: stream,
      Tag: "",
      From: "alerts@bench.example",
      To: [{ Email: address, Name: "" }],
      Recipients: [address],
      Subject: `News on ${stream}`,
      Metadata: {},
    });
  for (const message of w.simulator.state.messages)
    Object.assign(message, { ReceivedAt: sentAt, Events: [{ Type: "Delivered", ReceivedAt: sentAt }] });
  const created = Math.floor(Date.parse(sentAt) / 1000);
  const customerio = await CustomerIoSimulator.start(
    [
      {
        id: 1,
        name: "Bench",
        region: "us",
        apiKey: "bench-cio-key-0001",
        smtp: null,
        people: [
          {
            email: address,
            id: null,
            cio_id: "p1",
            deliveries: [
              {
                id: "d1",
                subject: "News on outbound",
                recipient: address,
                created,
                metrics: { sent: created, delivered: created + 4 },
                type: "email",
              },
            ],
          },
        ],
      },
    ],
    { postmark: w.simulator, smtp: { port: w.smtp.port, ca: "" } },
  );
  for (const [variant, env] of [
    ["Postmark only", {}],
    ["with Customer.io", { CUSTOMERIO_APP_API_KEY: "bench-cio-key-0001", ...customerio.env }],
  ] as const) {
    const before = customerio.requests.length;
    const started = performance.now();
    const { requests } = await w.run(["recipient", address, "--json"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...env });
    const ms = performance.now() - started;
    row(
      `recipient over 2 connections, ${variant}, ${LATENCY_MS} ms Postmark latency`,
      `${ms.toFixed(0)} ms; Postmark ${requests.length} requests in ${rounds(requests)}; ` +
        `Customer.io ${customerio.requests.length - before} requests`,
      variant === "Postmark only" ? "≤ 2 Postmark rounds" : "≤ 2 Postmark rounds, Customer.io read once (3 requests)",
    );
  }
  await customerio.close();
  await w.close();
}

/** What a cold `npx cio-postmark` downloads now, beside 0.2.0 (commit 6d0fdd0) installed the same way in this run. */
async function downloadFootprint() {
  const describe = async (label: string, tarball: string) => {
    const installed = await installCold(tarball);
    const warned = /install-scripts/.test(installed.npmOutput) ? ", npm warns of install scripts" : "";
    return (
      `${label}: ${plural(installed.packages.length, "package")}, ${(installed.apparentBytes / 1e6).toFixed(1)} MB, ` +
      `${(installed.installMs / 1000).toFixed(1)} s${warned}`
    );
  };
  const now = await describe("now", (await pack(ROOT)).tarball);
  const before = await describe("0.2.0", (await packCommit(ROOT, "6d0fdd0")).tarball);
  row(
    "packed tarball installed with an empty npm cache (packages, `du --apparent-size`, install time)",
    `${now}; ${before}`,
    "1 package, ≤ 2.5 MB, ≤ 1.5 s, no warning",
  );
}

console.error(
  `Benchmark on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
startupRatios();
await setupRoundTrips();
await doctorRatio();
await doctorAtScale();
await applyAtScale();
await sendTestProof();
await statusAtScale();
await wizardSitting();
await bigAccount();
await peakMemories();
await sandboxEndToEnd(
  "`doctor --sandbox --end-to-end` (Customer.io queue 1 s, Postmark shows the message 1 s later, its event 1 s after that)",
  {
    stream: "outbound",
    accessKey: SANDBOX_CREDENTIALS.accessKey,
    secretKey: SANDBOX_CREDENTIALS.secretKey,
    key: SANDBOX_CREDENTIALS.customerioKey,
  },
);
await sandboxEndToEnd("`doctor --sandbox --end-to-end --to person@acme.example` through the broadcast stream (its Delivery event)", {
  stream: "broadcast",
  accessKey: "sandbox-access-key-0002",
  secretKey: "sandbox-secret-key-0002",
  key: SANDBOX_CREDENTIALS.customerioBroadcastKey,
  to: "person@acme.example",
});
await recipientRounds();
await downloadFootprint();

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
  "",
  "| what | figure | target |",
  "|---|---|---|",
  ...rows.map(([what, figure, target]) => `| ${what} | ${figure} | ${target} |`),
].join("\n");
writeFileSync(join(ROOT, ".bench/results.md"), `${table}\n`);
console.log(table);
