import { CliError, usageError } from "../errors.js";
import { parseRegion, parseServerRef, parseSmtpHost, parseSmtpPort, parseStreamId, SECRET_NAME, secretProblem } from "./inputs.js";
import { closeMatches } from "./matching.js";
import type { Region } from "./regions.js";

/**
 * The connections file (`cio-postmark.json`): which streams should be connected, never a secret.
 * Pure: the text in, the connections out, or one usage error naming every place that is wrong
 * (`connections[1].stream`). schema/connections.json says the same for editors; a test holds the two
 * to the same table of files.
 */

export const DEFAULT_CONNECTIONS_FILE = "cio-postmark.json";

export interface FileSmtp {
  accessKeyEnv: string;
  secretKeyEnv: string;
  host?: string;
  port?: number;
}

export interface FileConnection {
  /** Where it sits in the file, for every message about it: "connections[1]". */
  place: string;
  /** As written: an exact server name, or a numeric ID. */
  server: string;
  stream: string;
  region: Region;
  smtp?: FileSmtp;
}

const TOP_FIELDS = ["$schema", "region", "connections"];
const CONNECTION_FIELDS = ["server", "stream", "region", "smtp"];
const SMTP_FIELDS = ["accessKeyEnv", "secretKeyEnv", "host", "port"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * A value that is a key or token, by its shape (Postmark's are UUIDs, Customer.io's long hex) or
 * because it is the value of a secret this run was given: it is refused and never echoed.
 */
function looksLikeSecret(value: string, knownSecrets: ReadonlySet<string>): boolean {
  const text = value.trim();
  return (
    knownSecrets.has(text) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text) || /^[0-9a-f]{32,}$/i.test(text)
  );
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (value: unknown): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Collects every problem of a file, so one run names them all. */
class Problems {
  readonly list: string[] = [];
  add(place: string, problem: string): void {
    this.list.push(`${place} ${problem}`);
  }
  /** A parser of the command line, re-used for the file with the place as its name; its message is the problem. */
  parse<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      this.list.push(error.message.replace(/\.$/, ""));
      return undefined;
    }
  }
}

/** How to save a file as UTF-8, where people's editors and shells save it otherwise. */
const SAVE_AS_UTF8 =
  "Save it as UTF-8: in an editor, choose UTF-8 when saving; in PowerShell, write it with Set-Content -Encoding utf8 (not >).";

/** The file's bytes as text: UTF-8 (a byte-order mark allowed), or refused saying so, never read as something else. */
export function decodeConnectionsFile(bytes: Uint8Array, name: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.includes(0);
  try {
    if (!utf16) return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // not UTF-8: said below
  }
  const what = utf16 ? "UTF-16 (as PowerShell 5's > writes it)" : "not UTF-8 (Latin-1 or another legacy encoding)";
  throw usageError("invalid_connections_file", `${name} is ${what}: this tool reads connections files as UTF-8.`, SAVE_AS_UTF8);
}

/** Deeper than any connections file needs (a connection's smtp is three levels down). */
const MAX_DEPTH = 16;

/**
 * What JSON.parse lets pass but a person would not mean: a key written twice in one object (the last
 * would silently win) and nesting deeper than MAX_DEPTH (refused before anything walks it). One pass
 * over the text, without recursion; the text is valid JSON already.
 */
function structureProblem(text: string): string | undefined {
  const open: Array<Set<string> | null> = [];
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === "{" || char === "[") {
      open.push(char === "{" ? new Set() : null);
      if (open.length > MAX_DEPTH) return `nests deeper than ${MAX_DEPTH} levels: a connections file needs 4`;
    } else if (char === "}" || char === "]") open.pop();
    else if (char === '"') {
      const start = at;
      for (at++; text[at] !== '"'; at++) if (text[at] === "\\") at++;
      const keys = open.at(-1);
      const colon = /\s*:/y;
      colon.lastIndex = at + 1;
      if (!keys || !colon.test(text)) continue;
      const key = JSON.parse(text.slice(start, at + 1)) as string;
      if (keys.has(key)) return `has the field ${fieldLabel(key)} twice in one object: keep one`;
      keys.add(key);
    }
  }
  return undefined;
}

/** Reads the file's text; `knownSecrets` are the secret values this run holds (from the environment), refused if written in. */
export function parseConnectionsFile(text: string, name: string, knownSecrets: ReadonlySet<string> = new Set()): FileConnection[] {
  const document = parseJson(text, name);
  const structure = structureProblem(text.replace(/^\uFEFF/, ""));
  if (structure) throw usageError("invalid_connections_file", `${name} ${structure}.`, "Fix the file, then run this again.");
  const problems = new Problems();
  const connections: FileConnection[] = [];
  if (!isObject(document)) {
    problems.add("The file", 'must be a JSON object: {"connections": [...]}');
  } else {
    refuseSecrets(document, "", knownSecrets, problems);
    unknownFields(document, TOP_FIELDS, "", problems);
    if (document.$schema !== undefined && typeof document.$schema !== "string") problems.add("$schema", "must be a string");
    const region = readRegion(document.region, "region", problems);
    const list = document.connections;
    if (!Array.isArray(list)) problems.add("connections", "must be a list of connections");
    else if (list.length === 0) problems.add("connections", "is empty: name at least one server and stream");
    else list.forEach((entry, index) => connections.push(...readConnection(entry, `connections[${index}]`, region, problems)));
    duplicates(connections, problems);
  }
  if (problems.list.length > 0) {
    throw usageError(
      "invalid_connections_file",
      `${name} is not a usable connections file:\n  ${problems.list.join("\n  ")}`,
      "Each connection needs a server (name or ID), a stream and a region; secrets stay in environment variables the file names.",
    );
  }
  return connections;
}

/** JSON.parse's own message quotes the text, which may hold a secret: only the line and column are said. */
function parseJson(text: string, name: string): Json {
  const body = text.replace(/^\uFEFF/, "");
  try {
    return JSON.parse(body) as Json;
  } catch {
    const at = errorOffset(body);
    const before = body.slice(0, at).split(/\r?\n/);
    const where = at >= body.length ? " (it ends too early)" : ` (at line ${before.length}, column ${before.at(-1)!.length + 1})`;
    throw usageError(
      "invalid_connections_file",
      `${name} is not valid JSON${where}.`,
      "Check for a missing comma or quote near that place.",
    );
  }
}

/**
 * Where JSON text first goes wrong, found the same way on every Node version (their messages
 * differ, and some give no position): the shortest start of the text that fails other than by ending.
 */
function errorOffset(text: string): number {
  const failsWithin = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = String((error as Error).message);
      const position = /at position (\d+)/.exec(message);
      return !/end of JSON|Unterminated/i.test(message) && (!position || Number(position[1]) < length);
    }
  };
  let low = 0;
  let high = text.length;
  if (!failsWithin(high)) return text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsWithin(middle)) high = middle;
    else low = middle + 1;
  }
  return Math.max(0, low - 1);
}

function readConnection(entry: Json, place: string, topRegion: Region | undefined, problems: Problems): FileConnection[] {
  if (!isObject(entry)) {
    problems.add(place, 'must be an object: {"server": ..., "stream": ...}');
    return [];
  }
  unknownFields(entry, CONNECTION_FIELDS, `${place}.`, problems);
  const server = readServer(entry.server, `${place}.server`, problems);
  const stream = readString(entry.stream, `${place}.stream`, problems, (value, field) => parseStreamId(value, field));
  const region = entry.region === undefined ? topRegion : readRegion(entry.region, `${place}.region`, problems);
  if (region === undefined && entry.region === undefined)
    problems.add(`${place}.region`, 'is missing: give "region" here or at the top of the file ("us" or "eu")');
  const smtp = entry.smtp === undefined ? undefined : readSmtp(entry.smtp, `${place}.smtp`, problems);
  if (server === undefined || stream === undefined || region === undefined || smtp === null) return [];
  return [{ place, server, stream, region, ...(smtp ? { smtp } : {}) }];
}

function readSmtp(value: Json, place: string, problems: Problems): FileSmtp | null {
  if (!isObject(value)) {
    problems.add(place, 'must be an object: {"accessKeyEnv": "...", "secretKeyEnv": "..."}');
    return null;
  }
  unknownFields(value, SMTP_FIELDS, `${place}.`, problems);
  const accessKeyEnv = readEnvName(value.accessKeyEnv, `${place}.accessKeyEnv`, problems);
  const secretKeyEnv = readEnvName(value.secretKeyEnv, `${place}.secretKeyEnv`, problems);
  const host = value.host === undefined ? undefined : readString(value.host, `${place}.host`, problems, parseSmtpHost);
  let port: number | undefined;
  if (value.port !== undefined) {
    if (!Number.isInteger(value.port)) problems.add(`${place}.port`, "must be a whole number, e.g. 587");
    else port = problems.parse(() => parseSmtpPort(String(value.port), `${place}.port`));
  }
  const bad = accessKeyEnv === undefined || secretKeyEnv === undefined;
  if (bad || (value.host !== undefined && host === undefined) || (value.port !== undefined && port === undefined)) return null;
  return { accessKeyEnv, secretKeyEnv, ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

function readEnvName(value: Json | undefined, place: string, problems: Problems): string | undefined {
  if (value === undefined) {
    problems.add(place, "is missing: name the environment variable that holds it");
    return undefined;
  }
  if (typeof value !== "string" || !ENV_NAME.test(value)) {
    // Never echoed: what is here instead of a variable's name is most likely the key itself.
    problems.add(place, "must be the name of an environment variable (letters, digits and _), never the key itself");
    return undefined;
  }
  return value;
}

function readServer(value: Json | undefined, place: string, problems: Problems): string | undefined {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value > 0) return String(value);
    problems.add(place, "must be a server's exact name or its numeric ID");
    return undefined;
  }
  return readString(value, place, problems, (text, field) => parseServerRef(text, field));
}

function readRegion(value: Json | undefined, place: string, problems: Problems): Region | undefined {
  if (value === undefined) return undefined;
  return readString(value, place, problems, (text, field) => parseRegion(text, field));
}

function readString<T>(
  value: Json | undefined,
  place: string,
  problems: Problems,
  parse: (value: string, field: string) => T | undefined,
): T | undefined {
  if (value === undefined) {
    problems.add(place, "is missing");
    return undefined;
  }
  if (typeof value !== "string") {
    problems.add(place, "must be a string");
    return undefined;
  }
  return problems.parse(() => parse(value, place));
}

/** A field named like a secret (not a variable's name: those end in Env) is refused by refuseSecrets. */
const isSecretField = (key: string) => !key.endsWith("Env") && SECRET_NAME.test(key);

/** A field's name as the file's problems say it: from outside, so never whole where it is long, odd or shaped like a key. */
function fieldLabel(key: string): string {
  return /^[\w$-]{1,40}$/.test(key) && !looksLikeSecret(key, new Set()) ? key : "<a field>";
}

function unknownFields(object: Record<string, Json>, known: string[], prefix: string, problems: Problems): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key) || isSecretField(key)) continue;
    const [nearest] = closeMatches(key, known, 1);
    const token = /token/i.test(key) ? "; the Postmark token comes from POSTMARK_ACCOUNT_TOKEN or POSTMARK_SERVER_TOKEN" : "";
    problems.add(
      `${prefix}${fieldLabel(key)}`,
      `is not a known field (${nearest ? `did you mean "${nearest}"? ` : ""}known: ${known.join(", ")})${token}`,
    );
  }
}

/**
 * Anywhere in the file: a field named like a secret, or a value shaped like one, is refused and
 * never echoed (the environment variables the file names hold the secrets).
 */
function refuseSecrets(value: Json, place: string, knownSecrets: ReadonlySet<string>, problems: Problems): void {
  if (typeof value === "string" && looksLikeSecret(value, knownSecrets)) {
    problems.add(place, "holds what looks like a key or token: secrets never go in this file; name an environment variable");
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => refuseSecrets(item, `${place}[${index}]`, knownSecrets, problems));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const inner = place ? `${place}.${fieldLabel(key)}` : fieldLabel(key);
      // accessKeyEnv and secretKeyEnv name variables: the one place a secret's name belongs.
      if (isSecretField(key)) {
        problems.add(
          inner,
          "is a secret: secrets never go in this file (name environment variables with smtp.accessKeyEnv and smtp.secretKeyEnv)",
        );
      } else refuseSecrets(item, inner, knownSecrets, problems);
    }
  }
}

/** The same server and stream twice would connect one stream twice, with two different wishes. */
function duplicates(connections: FileConnection[], problems: Problems): void {
  const seen = new Map<string, string>();
  for (const connection of connections) {
    const key = `${connection.server.toLowerCase()}\n${connection.stream.toLowerCase()}`;
    const first = seen.get(key);
    if (first)
      problems.add(connection.place, `repeats ${first} (server ${JSON.stringify(connection.server)}, stream "${connection.stream}")`);
    else seen.set(key, connection.place);
  }
}

/**
 * The SMTP key pair a connection's smtp names, read from the environment, or what is wrong with it
 * (a variable unset, empty or not shaped like a key), naming the variable, never its value.
 */
export function smtpFromEnv(
  connection: FileConnection & { smtp: FileSmtp },
  env: NodeJS.ProcessEnv,
): { keys?: { accessKey: string; secretKey: string }; problems: string[] } {
  const problems: string[] = [];
  const read = (field: "accessKeyEnv" | "secretKeyEnv") => {
    const name = connection.smtp[field];
    const value = env[name]?.trim();
    const problem = value ? secretProblem(value) : "is not set";
    if (problem) problems.push(`${connection.place}.smtp.${field} names ${name}, which ${problem}`);
    return problem ? undefined : value;
  };
  const accessKey = read("accessKeyEnv");
  const secretKey = read("secretKeyEnv");
  return accessKey && secretKey ? { keys: { accessKey, secretKey }, problems } : { problems };
}
