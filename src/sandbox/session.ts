import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { makeDirs } from "../store/make-dirs.js";
import { isObject } from "./postmark/answers.js";
import { moveCommand } from "../platform.js";
import { CliError } from "../errors.js";
import { join } from "node:path";
import type { PostmarkEndpoint } from "../postmark/base-url.js";
import type { SmtpRoute } from "../smtp/verify.js";
import { buildAccount, type AccountState } from "./account.js";
import { SANDBOX_CREDENTIALS, SANDBOX_SENDER, SANDBOX_SERVERS, SANDBOX_SMTP_TOKENS } from "./credentials.js";
import type { Region } from "../core/regions.js";
import { startSimulatedWorld } from "./world.js";
import { customerioPeople, seedPeople } from "./people.js";

/**
 * `--sandbox`: a simulated Postmark account and a loopback SMTP server, started in-process for one
 * run. The account's state is kept in its own folder, so runs build on each other like a real
 * account; the saved connections live there too, apart from real ones.
 */

export function sandboxAccount(): AccountState {
  const account = buildAccount({
    accountToken: SANDBOX_CREDENTIALS.accountToken,
    servers: [
      { id: SANDBOX_SERVERS.production, name: "Acme Production", tokens: [SANDBOX_CREDENTIALS.serverToken], errorHooks: true },
      {
        id: SANDBOX_SERVERS.staging,
        name: "Acme Staging",
        tokens: ["sandbox-server-token-acme-staging"],
        // Off, as a new server's are: the account token's setup turns them on as a step of its plan.
        errorHooks: false,
        streams: [
          { id: "outbound", type: "Transactional", name: "Default Transactional Stream" },
          { id: "inbound", type: "Inbound", name: "Default Inbound Stream" },
        ],
      },
      { id: SANDBOX_SERVERS.legacy, name: "Legacy Newsletters", tokens: ["sandbox-server-token-legacy"], smtp: false },
    ],
    domains: [{ Name: "acme.example" }, { Name: "news.acme.example", ReturnPathDomainVerified: false }],
    senders: [{ EmailAddress: SANDBOX_SENDER }],
  });
  seedPeople(account);
  return account;
}

/** The account as a run left it: a file that is not one is reported and kept, never run on or written over. */
function readState(statePath: string, fileModes: boolean): AccountState {
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(statePath, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Never the parser's own words: they quote the file.
    throw damagedState(
      statePath,
      fileModes,
      error instanceof SyntaxError ? "is not valid JSON" : `cannot be read${code ? ` (${code})` : ""}`,
      error,
    );
  }
  const problem = problemWithState(state);
  if (problem) throw damagedState(statePath, fileModes, problem);
  // A sandbox saved by an older version lacks what later ones added; one saved before `recipient` existed gets its people now.
  const account = state as Partial<AccountState> & Omit<AccountState, (typeof LATER_LISTS)[number]>;
  const people = account.suppressions === undefined;
  const filled: AccountState = {
    ...account,
    senders: account.senders ?? [],
    messages: account.messages ?? [],
    suppressions: account.suppressions ?? [],
  };
  if (people) seedPeople(filled);
  return filled;
}

const ACCOUNT_LISTS = ["servers", "streams", "webhooks", "domains"] as const;
/** Lists a sandbox saved by an older version lacks: readState adds them empty. */
const LATER_LISTS = ["senders", "messages", "suppressions"] as const;

/** What makes this no sandbox account, in words; undefined when its shape is one. */
function problemWithState(account: unknown): string | undefined {
  if (!isObject(account)) return "is not a sandbox account";
  const tokens = account.accountTokens;
  if (!Array.isArray(tokens) || !tokens.every((token) => typeof token === "string")) return "has no list of account tokens";
  for (const key of [...ACCOUNT_LISTS, ...LATER_LISTS]) {
    const list = account[key];
    if (list === undefined && (LATER_LISTS as readonly string[]).includes(key)) continue;
    if (!Array.isArray(list) || !list.every(isObject)) return `has no list of ${key}`;
  }
  if (!Number.isSafeInteger(account.nextWebhookId)) return "has no next webhook ID";
  return undefined;
}

function damagedState(statePath: string, fileModes: boolean, what: string, cause?: unknown): CliError {
  return new CliError("sandbox_damaged", `The sandbox's account file ${statePath} ${what}; it was left as it is.`, {
    hint:
      `Move it aside (${moveCommand(statePath, `${statePath}.bak`, fileModes)}): ` +
      "the next --sandbox run starts with a fresh sandbox account.",
    cause,
  });
}

export interface SandboxSession {
  configDir: string;
  postmarkEndpoint: PostmarkEndpoint;
  smtpRoute: SmtpRoute;
  customerioOrigins: Record<Region, string>;
  close(): Promise<void>;
}

const STATE_FILE = "postmark-account.json";

/** `fileModes`: false on Windows alone, where the commands it prints are cmd's and PowerShell's. */
export async function startSandbox(dir: string, fileModes: boolean): Promise<SandboxSession> {
  try {
    makeDirs(dir, 0o700);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError("config_unwritable", `Cannot write the sandbox's folder ${dir}${code ? ` (${code})` : ""}.`, {
      hint: "Choose a folder you can write with --config-dir or CIO_POSTMARK_CONFIG_DIR.",
      cause: error,
    });
  }
  const statePath = join(dir, STATE_FILE);
  const state = existsSync(statePath) ? readState(statePath, fileModes) : sandboxAccount();
  const broadcastToken = SANDBOX_SMTP_TOKENS.find(
    (token) => token.serverId === SANDBOX_SERVERS.production && token.stream === "broadcast",
  )!;
  const world = await startSimulatedWorld({
    account: state,
    smtp: {
      keyPairs: SANDBOX_SMTP_TOKENS.map(({ accessKey, secretKey, serverId, stream }) => ({
        accessKey,
        secretKey,
        serverId,
        streamId: stream,
      })),
    },
    customerio: {
      workspaces: [
        {
          id: 71,
          name: "Acme",
          region: "us",
          apiKey: SANDBOX_CREDENTIALS.customerioKey,
          smtp: { accessKey: SANDBOX_CREDENTIALS.accessKey, secretKey: SANDBOX_CREDENTIALS.secretKey },
          people: customerioPeople(state),
        },
        {
          id: 72,
          name: "Acme Newsletters",
          region: "us",
          apiKey: SANDBOX_CREDENTIALS.customerioBroadcastKey,
          smtp: { accessKey: broadcastToken.accessKey, secretKey: broadcastToken.secretKey },
        },
      ],
    },
  });
  const { postmark, smtp, customerio, certificate } = world;
  return {
    configDir: dir,
    customerioOrigins: customerio!.urls,
    postmarkEndpoint: { url: postmark.url, useHttps: false, requestHost: postmark.url.replace("http://", "") },
    smtpRoute: { ca: certificate.cert, connectTo: { host: "127.0.0.1", port: smtp.port } },
    async close() {
      const temporary = `${statePath}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(postmark.state, null, 2), { mode: 0o600 });
      renameSync(temporary, statePath);
      await world.close();
    },
  };
}
