import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAccount } from "../../src/sandbox/account.js";
import type { PostmarkSimulator } from "../../src/sandbox/postmark/simulator.js";
import type { LoopbackSmtp } from "../../src/sandbox/smtp-server.js";
import { startSimulatedWorld } from "../../src/sandbox/world.js";
import type { RunOverrides } from "../../src/runtime.js";
import { US_URL, transactionalTriggers } from "./expected.js";
import { savedConnection } from "./saved.js";
import { testCertificate } from "./world.js";

/**
 * An agency's config: `count` servers ("Client 001" …), each with its outbound stream connected (a
 * correct webhook, its own SMTP key pair), all saved in one config.json. For doctor at scale.
 */
export interface Agency {
  simulator: PostmarkSimulator;
  smtp: LoopbackSmtp;
  configDir: string;
  env: NodeJS.ProcessEnv;
  overrides: RunOverrides;
  close(): Promise<void>;
}

export const agencyServerName = (index: number) => `Client ${String(index + 1).padStart(3, "0")}`;
export const AGENCY_ACCOUNT_TOKEN = "acct-agency-token-0123456789";

/**
 * The same agency as a connections file, for apply and doctor --file: every client's outbound stream
 * with its SMTP key pair in two variables of its own, and the environment that holds them.
 */
export function agencyFile(agency: Agency, count: number): { document: object; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...agency.env, POSTMARK_ACCOUNT_TOKEN: AGENCY_ACCOUNT_TOKEN };
  const connections = Array.from({ length: count }, (_, index) => {
    const id = 5001 + index;
    env[`CLIENT_${id}_ACCESS`] = `ak-agency-${id}`;
    env[`CLIENT_${id}_SECRET`] = `sk-agency-secret-${id}-0123456789`;
    return {
      server: agencyServerName(index),
      stream: "outbound",
      smtp: { accessKeyEnv: `CLIENT_${id}_ACCESS`, secretKeyEnv: `CLIENT_${id}_SECRET` },
    };
  });
  return { document: { region: "us", connections }, env };
}

export async function startAgency(count: number): Promise<Agency> {
  const servers = Array.from({ length: count }, (_, index) => ({
    id: 5001 + index,
    name: agencyServerName(index),
    tokens: [`srv-agency-token-${5001 + index}-abcdef`],
  }));
  const keyPair = (id: number) => ({ accessKey: `ak-agency-${id}`, secretKey: `sk-agency-secret-${id}-0123456789` });
  const world = await startSimulatedWorld({
    account: buildAccount({ accountToken: AGENCY_ACCOUNT_TOKEN, servers }),
    certificate: testCertificate(),
    smtp: { keyPairs: servers.map(({ id }) => ({ ...keyPair(id), serverId: id, streamId: "outbound" })) },
  });
  const { postmark: simulator, smtp, certificate } = world;
  const root = mkdtempSync(join(tmpdir(), "cio-agency-"));
  const configDir = join(root, "config");
  mkdirSync(configDir, { mode: 0o700 });
  const connections: Record<string, unknown> = {};
  for (const [index, { id, name, tokens }] of servers.entries()) {
    const webhookId = 70_001 + index;
    simulator.state.webhooks.push({
      ID: webhookId,
      ServerID: id,
      Url: US_URL,
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: transactionalTriggers(),
    });
    connections[`${id}:outbound`] = savedConnection({
      serverId: id,
      serverName: name,
      webhookId,
      serverToken: tokens[0],
      smtp: { host: "smtp.postmarkapp.com", port: 587, ...keyPair(id) },
    });
  }
  writeFileSync(join(configDir, "config.json"), JSON.stringify({ schemaVersion: 1, connections }), { mode: 0o600 });
  return {
    simulator,
    smtp,
    configDir,
    env: { POSTMARK_API_URL: simulator.url, CIO_POSTMARK_CONFIG_DIR: configDir },
    overrides: {
      smtpRoute: { ca: certificate.cert, connectTo: { host: "127.0.0.1", port: smtp.port } },
      retry: { tries: 3, baseDelayMs: 20, maxTotalMs: 5_000 },
      rateLimit: { tries: 4, baseDelayMs: 5, maxDelayMs: 50 },
    },
    async close() {
      await world.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
