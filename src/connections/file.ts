import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { CliError, ExitCode, usageError } from "../errors.js";
import { DEFAULT_CONNECTIONS_FILE, decodeConnectionsFile, parseConnectionsFile, type FileConnection } from "../core/connections-file.js";
import { matchesServerRef } from "../core/matching.js";
import type { Server } from "../core/model.js";
import type { ServerApi } from "../postmark/api.js";
import { serverLabel } from "../postmark/links.js";
import { findServer } from "../postmark/lookup.js";
import type { Runtime } from "../runtime.js";
import { shown } from "../ui/terminal-safe.js";
import { accountApi, envToken, serverApi, type SourcedToken } from "./clients.js";

/** The connections file as apply and doctor --file read it: from disk, then each connection's server found in Postmark. */

/** No connections file is anywhere near this big; a bigger one is a mistake (a log, a dump), not read. */
const MAX_FILE_BYTES = 1024 * 1024;

/** The environment variables whose values are secrets: any of them written in the file is refused. */
const SECRET_VARIABLES = [
  "POSTMARK_ACCOUNT_TOKEN",
  "POSTMARK_SERVER_TOKEN",
  "POSTMARK_SMTP_ACCESS_KEY",
  "POSTMARK_SMTP_SECRET_KEY",
  "CUSTOMERIO_APP_API_KEY",
];

export interface ConnectionsFile {
  /** As the person named it (for the commands printed), and where it was read. */
  name: string;
  path: string;
  connections: FileConnection[];
}

/** Reads and validates the file before any request: a bad one is a usage error naming every place. */
export function readConnectionsFile(runtime: Runtime, file: string | undefined): ConnectionsFile {
  const name = file?.trim() || DEFAULT_CONNECTIONS_FILE;
  const path = resolve(name);
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile())
      throw usageError("invalid_connections_file", `${name} is not a file.`, "Name the connections file with --file PATH.");
    if (stat.size > MAX_FILE_BYTES)
      throw usageError("invalid_connections_file", `${name} is ${stat.size} bytes: too big to be a connections file (at most 1 MiB).`);
    text = decodeConnectionsFile(readFileSync(path), name);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw usageError(
        "no_connections_file",
        `There is no connections file ${name} in ${process.cwd()}.`,
        file ? "Check the path given to --file." : `Write one (see docs/ci.md, "A connections file"), or name it with --file PATH.`,
      );
    }
    throw usageError("invalid_connections_file", `Could not read ${name}: ${code ?? String(error)}.`);
  }
  const knownSecrets = new Set(SECRET_VARIABLES.map((variable) => runtime.env[variable]?.trim()).filter((value) => !!value) as string[]);
  return { name, path, connections: parseConnectionsFile(text, name, knownSecrets) };
}

/** A connection of the file with its server found, and the server's API under the token that reaches it. */
export interface FileTarget {
  connection: FileConnection;
  server: Server;
  api: ServerApi;
  serverToken: SourcedToken;
}

export type Resolved = { connection: FileConnection; target: FileTarget } | { connection: FileConnection; error: CliError };

/** The Postmark token every connection of the file is reached with, named when missing before any request. */
export function fileTokens(runtime: Runtime, connections: FileConnection[]): { account?: SourcedToken; server?: SourcedToken } {
  const account = envToken(runtime.env, "account");
  const server = envToken(runtime.env, "server");
  for (const token of [account, server]) runtime.secrets.add(token?.value);
  if (!account && !server) {
    throw usageError(
      "missing_input",
      `Missing input: POSTMARK_ACCOUNT_TOKEN (env), or POSTMARK_SERVER_TOKEN when every connection of the file is on that one server ` +
        `(${connections.length === 1 ? "the file names one connection" : `the file names ${connections.length}`}).`,
      "Set it from your CI's secret store; the file itself never holds a token.",
    );
  }
  return { account, server };
}

/**
 * Each connection's server, found once per name or ID however many connections name it: with an
 * account token by name or ID; with only a server token, its own server, which every connection
 * must name. A connection whose server cannot be found fails alone; the others go on.
 */
export async function resolveServers(runtime: Runtime, connections: FileConnection[]): Promise<Resolved[]> {
  const tokens = fileTokens(runtime, connections);
  const found = new Map<string, Promise<Omit<FileTarget, "connection">>>();
  const find = (ref: string) => {
    // With only a server token there is one server to find, whatever the connections call it.
    const key = tokens.account ? ref : "";
    let lookup = found.get(key);
    if (!lookup) {
      lookup = tokens.account ? byAccount(runtime, tokens.account, ref) : ownServer(runtime, tokens.server!);
      lookup.catch(() => undefined); // awaited by each connection that names it
      found.set(key, lookup);
    }
    return lookup;
  };
  const resolved = await Promise.all(
    connections.map(async (connection): Promise<Resolved> => {
      try {
        const { server, api, serverToken } = await find(connection.server);
        if (!tokens.account && !matchesServerRef(server.ID, server.Name, connection.server)) {
          throw new CliError(
            "server_mismatch",
            `${connection.place} names server ${JSON.stringify(shown(connection.server))}, but POSTMARK_SERVER_TOKEN belongs to ` +
              `${serverLabel(server)}.`,
            { exitCode: ExitCode.usage, hint: "Set POSTMARK_ACCOUNT_TOKEN to reach every server the file names." },
          );
        }
        return { connection, target: { connection, server, api, serverToken } };
      } catch (error) {
        if (error instanceof CliError) return { connection, error };
        throw error;
      }
    }),
  );
  assertNoSameStreamTwice(resolved);
  return resolved;
}

/** A server named once by its name and once by its ID is one server: the same stream twice is a bad file, found before any change. */
function assertNoSameStreamTwice(resolved: Resolved[]): void {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of resolved) {
    if (!("target" in entry)) continue;
    const key = `${entry.target.server.ID}:${entry.connection.stream.toLowerCase()}`;
    const first = seen.get(key);
    if (first)
      problems.push(`${entry.connection.place} names the same server and stream as ${first} (server ${serverLabel(entry.target.server)})`);
    else seen.set(key, entry.connection.place);
  }
  if (problems.length > 0)
    throw usageError("invalid_connections_file", `The connections file names a stream twice:\n  ${problems.join("\n  ")}`);
}

async function byAccount(runtime: Runtime, account: SourcedToken, ref: string): Promise<Omit<FileTarget, "connection">> {
  const server = await findServer(accountApi(runtime, account), ref, "file");
  const token = server.ApiTokens[0];
  if (!token)
    throw new CliError("no_server_token", `Server ${serverLabel(server)} has no API token.`, {
      hint: "Create one under the server's API Tokens tab.",
    });
  runtime.secrets.add(token);
  const serverToken = { value: token, source: `the API token of server ${shown(server.Name)}` };
  return { server, api: serverApi(runtime, serverToken), serverToken };
}

async function ownServer(runtime: Runtime, serverToken: SourcedToken): Promise<Omit<FileTarget, "connection">> {
  const api = serverApi(runtime, serverToken);
  return { server: await api.getServer(), api, serverToken };
}

/**
 * The commands doctor prints for connections that live in a file: a repair is the file applied
 * (`doctor --fix` and `setup` become `apply --file F`), a region move is an edit of the file first,
 * and any other doctor command reads the same file.
 */
export function fileCommand(command: Runtime["command"], file: Pick<ConnectionsFile, "name">, canAsk: boolean): Runtime["command"] {
  return (...args) => {
    const [name, ...rest] = args;
    const fileFlag = ["--file", file.name];
    if (name === "setup" || (name === "doctor" && rest.includes("--fix"))) {
      // apply asks before it changes anything: printed for a run that cannot ask, it carries the yes.
      const apply = command("apply", ...fileFlag, ...(rest.includes("--yes") || !canAsk ? ["--yes"] : []));
      const region = rest.indexOf("--region");
      return region < 0 ? apply : `set "region": "${rest[region + 1]}" for this connection in ${file.name}, then run ${apply}`;
    }
    return name === "doctor" ? command("doctor", ...fileFlag, ...rest) : command(...args);
  };
}
