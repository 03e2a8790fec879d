import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../../../src/sandbox/certificate.js";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { closedPort, startProxy, startTlsFront, type TestProxy } from "../../helpers/proxy.js";
import { runBinary } from "../../helpers/run-binary.js";
import { SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/**
 * An office whose only way out is an HTTP proxy. Postmark's and Customer.io's simulators are served
 * over TLS (a CA made for the run, trusted through NODE_EXTRA_CA_CERTS as a user would) under host
 * names only the proxy resolves; the built binary runs as a child process, as it would on a laptop.
 */

const POSTMARK_HOST = "api.postmark.proxied.test";
const CIO_US_HOST = "us.customerio.proxied.test";
const CIO_EU_HOST = "eu.customerio.proxied.test";
const PROXY_PASSWORD = "pr0xy-p@ss:word/9f3c";

let world: World;
let customerio: CustomerIoSimulator;
let fronts: Array<{ port: number; close(): Promise<void> }>;
let routes: Record<string, number>;
let open: TestProxy;
let guarded: TestProxy;
let folder: string;
let caFile: string;

beforeAll(async () => {
  world = await startWorld();
  customerio = await startCustomerIo(world);
  const certificate = makeCertificate([POSTMARK_HOST, CIO_US_HOST, CIO_EU_HOST]);
  const port = (url: string) => Number(new URL(url).port);
  fronts = await Promise.all(
    [world.simulator.url, customerio.urls.us, customerio.urls.eu].map((url) => startTlsFront(certificate, port(url))),
  );
  routes = { [POSTMARK_HOST]: fronts[0]!.port, [CIO_US_HOST]: fronts[1]!.port, [CIO_EU_HOST]: fronts[2]!.port };
  open = await startProxy(routes);
  guarded = await startProxy(routes, { user: "jane", password: PROXY_PASSWORD });
  folder = mkdtempSync(join(tmpdir(), "cio-proxy-"));
  caFile = join(folder, "office-ca.pem");
  writeFileSync(caFile, certificate.cert);
});

afterAll(async () => {
  await Promise.all([open.close(), guarded.close(), ...fronts.map((front) => front.close()), customerio.close()]);
  await world.close();
  rmSync(folder, { recursive: true, force: true });
});

let runs = 0;
/** A scripted setup of Production/outbound's webhook (no SMTP), through whatever the environment says. */
function setup(env: NodeJS.ProcessEnv, extra: string[] = ["--region", "us"]) {
  return runBinary(["setup", "--no-input", "--skip-smtp", "--stream", "outbound", "--json", ...extra], {
    POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
    POSTMARK_API_URL: `https://${POSTMARK_HOST}`,
    CIO_POSTMARK_CONFIG_DIR: join(folder, `config-${++runs}`),
    NODE_EXTRA_CA_CERTS: caFile,
    ...env,
  });
}

const targets = (proxy: TestProxy) => proxy.connects.map((connect) => connect.target);

describe("through the proxy the environment names", () => {
  it.each([["HTTPS_PROXY"], ["https_proxy"]])("%s: Postmark is reached through it", async (variable) => {
    const before = open.connects.length;
    const run = await setup({ [variable]: open.url });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
    expect(targets(open).slice(before)).toContain(`${POSTMARK_HOST}:443`);
  });

  it("HTTP_PROXY alone is for http URLs, as curl reads it: an https request does not go through it", async () => {
    const before = open.connects.length;
    const run = await setup({ HTTP_PROXY: open.url });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe("postmark_unreachable");
    expect(open.connects.length).toBe(before);
  });

  it("Customer.io is reached through it too (the key's workspace answers the region)", async () => {
    const before = open.connects.length;
    const run = await setup(
      {
        HTTPS_PROXY: open.url,
        CUSTOMERIO_APP_API_KEY: CIO_US_KEY,
        CUSTOMERIO_API_URL_US: `https://${CIO_US_HOST}`,
        CUSTOMERIO_API_URL_EU: `https://${CIO_EU_HOST}`,
      },
      [],
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, region: "us" });
    expect(targets(open).slice(before)).toEqual(expect.arrayContaining([`${POSTMARK_HOST}:443`, `${CIO_US_HOST}:443`]));
  });

  it("a proxy that wants a login: the login in the URL is sent, and its password shows nowhere", async () => {
    const proxy = `http://jane:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${guarded.port}`;
    const before = guarded.connects.length;
    const run = await setup({ HTTPS_PROXY: proxy, CIO_POSTMARK_TRACE: undefined }, [
      "--region",
      "us",
      "--trace",
      join(folder, "trace.jsonl"),
    ]);
    expect(run.status).toBe(0);
    const sent = guarded.connects.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((connect) => connect.authorization === `Basic ${Buffer.from(`jane:${PROXY_PASSWORD}`).toString("base64")}`)).toBe(
      true,
    );
    const trace = (await import("node:fs")).readFileSync(join(folder, "trace.jsonl"), "utf8");
    for (const text of [run.stdout, run.stderr, trace]) {
      expect(text).not.toContain(PROXY_PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PROXY_PASSWORD));
      expect(text).not.toContain(Buffer.from(`jane:${PROXY_PASSWORD}`).toString("base64"));
    }
  });

  it("NO_PROXY sends a host direct: the proxy is never asked", async () => {
    const before = open.connects.length;
    const run = await setup({
      HTTPS_PROXY: open.url,
      HTTP_PROXY: open.url,
      NO_PROXY: "localhost,127.0.0.1",
      POSTMARK_API_URL: world.simulator.url,
    });
    expect(run.status).toBe(0);
    expect(open.connects.length).toBe(before);
  });
});

describe("doctor says what network it saw", () => {
  it("each service's proxy (its password masked), NO_PROXY's matches, and whether the SMTP port answered", async () => {
    const login = `http://jane:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${guarded.port}`;
    const env = {
      HTTPS_PROXY: login,
      NO_PROXY: `.customerio.proxied.test`,
      CUSTOMERIO_API_URL_US: `https://${CIO_US_HOST}`,
      CUSTOMERIO_API_URL_EU: `https://${CIO_EU_HOST}`,
    };
    expect((await setup(env)).status).toBe(0);
    const doctor = await runBinary(["doctor", "--json"], {
      POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
      POSTMARK_API_URL: `https://${POSTMARK_HOST}`,
      CIO_POSTMARK_CONFIG_DIR: join(folder, `config-${runs}`),
      NODE_EXTRA_CA_CERTS: caFile,
      ...env,
    });
    expect(doctor.stdout + doctor.stderr).not.toContain(PROXY_PASSWORD);
    expect(JSON.parse(doctor.stdout).network).toEqual({
      postmark: { host: POSTMARK_HOST, proxy: `http://jane:••••@127.0.0.1:${guarded.port}`, variable: "HTTPS_PROXY" },
      customerio: { host: CIO_US_HOST, direct: "NO_PROXY names it" },
      smtpProxy: null,
      smtp: [], // setup ran with --skip-smtp: no port was tried
    });
    const human = await runBinary(["doctor"], {
      POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
      POSTMARK_API_URL: `https://${POSTMARK_HOST}`,
      CIO_POSTMARK_CONFIG_DIR: join(folder, `config-${runs}`),
      NODE_EXTRA_CA_CERTS: caFile,
      ...env,
    });
    expect(human.stdout).toContain(
      `Network: Postmark (${POSTMARK_HOST}) through the proxy http://jane:••••@127.0.0.1:${guarded.port} (HTTPS_PROXY); ` +
        `Customer.io (${CIO_US_HOST}) direct (NO_PROXY names it).`,
    );
  });
});

describe("when the proxy is the problem, it is named", () => {
  it("407: the proxy wants a login, and where to put it", async () => {
    const run = await setup({ HTTPS_PROXY: guarded.url });
    expect(run.status).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe("proxy_auth_required");
    expect(error.message).toContain(`The proxy http://127.0.0.1:${guarded.port} wants a login (407)`);
    expect(error.hint).toContain("HTTPS_PROXY");
  });

  it("a wrong password: 407 again, and the wrong password is not shown", async () => {
    const run = await setup({ https_proxy: `http://jane:not-the-password-77@127.0.0.1:${guarded.port}` });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe("proxy_auth_required");
    expect(run.stdout + run.stderr).not.toContain("not-the-password-77");
    expect(run.stdout).toContain("http://jane:••••@127.0.0.1");
  });

  it("a proxy that will not connect to the host: named, with the host to allow", async () => {
    const run = await setup({ HTTPS_PROXY: open.url, POSTMARK_API_URL: "https://api.elsewhere.test" });
    expect(run.status).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe("proxy_refused");
    expect(error.message).toBe(`The proxy ${open.url} refused to connect to api.elsewhere.test (it answered 502).`);
    expect(error.hint).toContain("allow api.elsewhere.test on port 443");
  });

  it("a proxy that cannot be reached is named as the proxy, not as Postmark", async () => {
    const port = await closedPort();
    const run = await setup({ HTTPS_PROXY: `http://127.0.0.1:${port}` });
    expect(run.status).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe("proxy_unreachable");
    expect(error.message).toContain(`Could not reach the proxy http://127.0.0.1:${port} (ECONNREFUSED) that HTTPS_PROXY names`);
  });

  it("a proxy that is not a URL: a usage error naming the variable, its password masked", async () => {
    const run = await setup({ HTTPS_PROXY: "ftp://jane:hunter22@proxy.example:21" });
    expect(run.status).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe("proxy_invalid");
    expect(run.stdout + run.stderr).not.toContain("hunter22");
  });

  it("a TLS-inspecting proxy (its CA not trusted): both remedies, and verification stays on", async () => {
    const run = await setup({ HTTPS_PROXY: open.url, NODE_EXTRA_CA_CERTS: undefined });
    expect(run.status).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe("tls_untrusted");
    const codes = "SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE";
    expect(error.message).toMatch(
      new RegExp(`^The certificate api\\.postmark\\.proxied\\.test presented is not one Node trusts \\((${codes})\\)`),
    );
    expect(error.hint).toContain("NODE_USE_SYSTEM_CA=1");
    expect(error.hint).toContain("NODE_EXTRA_CA_CERTS=/path/to/ca.pem");
    expect(error.hint).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized/);
  });
});

describe("without the proxy", () => {
  it("the hosts only the proxy resolves cannot be reached: a run that ignored the proxy would fail", async () => {
    const run = await setup({});
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe("postmark_unreachable");
  });
});
