import { accessSync, chmodSync, constants, existsSync, lstatSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { makeDirs } from "./make-dirs.js";
import { join } from "node:path";
import type Conf from "conf";
import { deleteCommand, moveCommand } from "../platform.js";
import { CliError } from "../errors.js";
import type { Region } from "../core/regions.js";
import type { StreamType } from "../core/model.js";
import { problemWithEntry } from "./validate.js";
import { connectionKey, isConnectionOf } from "../core/matching.js";

/** The only module that touches config.json. */

const SCHEMA_VERSION = 1;
const CONFIG_FILE = "config.json";

export interface SavedSmtp {
  host: string;
  port: number;
  accessKey: string;
  /** Absent with --no-store-secrets. */
  secretKey?: string;
}

export interface SavedConnection {
  serverId: number;
  serverName: string;
  streamId: string;
  streamName: string;
  streamType: StreamType;
  region: Region;
  webhookId: number | null;
  webhookUrl: string;
  smtp: SavedSmtp | null;
  /** Absent with --no-store-secrets. */
  serverToken?: string;
  /**
   * Where the secrets this connection needs live: saved here by setup, kept out by setup's
   * --no-store-secrets, or in the environment a connections file names (apply). Absent in records
   * from before 0.3: judged from the server token then (see secretsOf).
   */
  secrets?: SecretsHome;
  /** apply: the variable the connections file names for the Secret Key (a name, never the key). */
  secretKeyEnv?: string;
  /** This tool saved the webhook unverified (--no-verify-webhook) and Postmark has not verified it since. */
  webhookUnverified?: boolean;
  verifiedAt: string | null;
  updatedAt: string;
}

export type SecretsHome = "saved" | "not-stored" | "environment";

/** Where a saved connection's secrets live; a record from before 0.3 says it by holding a server token or not. */
export function secretsOf(connection: Pick<SavedConnection, "secrets" | "serverToken">): SecretsHome {
  return connection.secrets ?? (connection.serverToken ? "saved" : "not-stored");
}

interface ConfigDocument {
  schemaVersion: number;
  connections: Record<string, SavedConnection>;
}

/** A saved entry that could not be used: left in the file as it is, and reported. */
export interface InvalidEntry {
  key: string;
  problem: string;
}

export class ConfigStore {
  readonly path: string;
  private conf?: Conf<ConfigDocument>;

  constructor(
    readonly dir: string,
    /** False on Windows, where folders have no permission bits to tighten. */
    private readonly fileModes = true,
  ) {
    this.path = join(dir, CONFIG_FILE);
  }

  /** The file's permission bits, or undefined when there is no file yet. */
  fileMode(): number | undefined {
    return existsSync(this.path) ? statSync(this.path).mode & 0o777 : undefined;
  }

  /** The folder's permission bits, or undefined when there is no folder yet. */
  dirMode(): number | undefined {
    return existsSync(this.dir) ? statSync(this.dir).mode & 0o777 : undefined;
  }

  /** Back to 0600 in a 0700 folder (doctor --fix), for a file or folder someone loosened. */
  restrictModes(): void {
    chmodSync(this.path, 0o600);
    this.tightenDir();
  }

  /** The saved connections that are whole and valid; see `invalid()` for the others. */
  async list(): Promise<SavedConnection[]> {
    return (await this.entries()).valid;
  }

  /** Entries that were damaged or edited into something unusable, with what is wrong with each. */
  async invalid(): Promise<InvalidEntry[]> {
    return (await this.entries()).invalid;
  }

  async find(serverId: number, streamId: string): Promise<SavedConnection | undefined> {
    return (await this.list()).find((connection) => isConnectionOf(connection, serverId, streamId));
  }

  private async entries(): Promise<{ valid: SavedConnection[]; invalid: InvalidEntry[] }> {
    const valid: SavedConnection[] = [];
    const invalid: InvalidEntry[] = [];
    for (const [key, entry] of Object.entries((await this.read()).connections)) {
      const problem = problemWithEntry(entry);
      if (problem) invalid.push({ key, problem });
      else valid.push(entry as SavedConnection);
    }
    return { valid, invalid };
  }

  /**
   * Before any change anywhere (a webhook created, a repair): the folder exists, can be tightened to
   * 0700 and written. A folder someone else owns fails here, as config_unwritable, with nothing changed.
   */
  assertWritable(): void {
    try {
      this.ensureDir();
      this.tightenDir();
      accessSync(this.dir, constants.W_OK);
    } catch (error) {
      throw unwritableFolder(this.dir, error, ": nothing was changed");
    }
  }

  /** Adds or replaces one connection; every other connection stays exactly as it was. */
  async save(connection: SavedConnection): Promise<void> {
    const document = await this.read();
    document.connections[connectionKey(connection.serverId, connection.streamId)] = connection;
    await this.write(document);
  }

  async remove(serverId: number, streamId: string): Promise<boolean> {
    const document = await this.read();
    const key = connectionKey(serverId, streamId);
    if (!(key in document.connections)) return false;
    delete document.connections[key];
    await this.write(document);
    return true;
  }

  /**
   * A save killed mid-way leaves its temp file (config.json.tmp-*, every secret in it) beside the
   * config: the next run that holds the lock removes them. Nothing else writes them.
   */
  removeLeftovers(): void {
    const leftovers = existsSync(this.dir) ? readdirSync(this.dir).filter((name) => name.startsWith(`${CONFIG_FILE}.tmp-`)) : [];
    for (const name of leftovers) {
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        // gone already, or not ours to remove: the run goes on, and the next one tries again
      }
    }
  }

  private async read(): Promise<ConfigDocument> {
    // Reading writes nothing: with no config file yet, no folder is made (doctor and status on a read-only HOME).
    if (!this.conf && !this.fileThere()) return { schemaVersion: SCHEMA_VERSION, connections: {} };
    const conf = await this.open();
    let raw: Partial<ConfigDocument>;
    try {
      raw = conf.store;
    } catch (error) {
      throw this.unreadable(error);
    }
    if (Object.keys(raw).length === 0) return { schemaVersion: SCHEMA_VERSION, connections: {} };
    if (typeof raw.schemaVersion !== "number" || typeof raw.connections !== "object" || raw.connections === null) {
      throw this.damaged("does not look like a cio-postmark config");
    }
    if (raw.schemaVersion > SCHEMA_VERSION) {
      throw new CliError(
        "config_newer",
        `The saved config at ${this.path} was written by a newer cio-postmark (schema ${raw.schemaVersion}); it was left as it is.`,
        {
          hint: "Upgrade with `npx cio-postmark@latest`, or point --config-dir at another folder.",
        },
      );
    }
    return { schemaVersion: SCHEMA_VERSION, connections: { ...raw.connections } };
  }

  private async write(document: ConfigDocument): Promise<void> {
    const conf = await this.open();
    try {
      this.tightenDir();
      conf.store = document; // conf writes a temp file and renames it: a kill leaves the old or the new file
    } catch (error) {
      throw this.unwritable(error);
    }
  }

  private async open(): Promise<Conf<ConfigDocument>> {
    if (this.conf) return this.conf;
    try {
      this.ensureDir();
    } catch (error) {
      throw this.unwritable(error);
    }
    this.refuseSymlink();
    const { default: ConfClass } = await import("conf");
    try {
      this.conf = new ConfClass<ConfigDocument>({
        cwd: this.dir,
        configName: "config",
        configFileMode: 0o600,
      });
    } catch (error) {
      throw this.unreadable(error);
    }
    return this.conf;
  }

  /** Creates the folder 0700 whatever the umask (mkdir's mode is filtered by it; chmod is not). */
  private ensureDir(): void {
    if (existsSync(this.dir)) return;
    makeDirs(this.dir, 0o700);
    chmodSync(this.dir, 0o700);
  }

  /** A folder someone loosened (or made 0777 before us) is brought back to 0700 before secrets go in. */
  private tightenDir(): void {
    if (this.fileModes && (this.dirMode()! & 0o077) !== 0) chmodSync(this.dir, 0o700);
  }

  /** Whether anything (a file, a link, even a broken one) stands at the config file's path. */
  private fileThere(): boolean {
    try {
      lstatSync(this.path);
      return true;
    } catch {
      return false;
    }
  }

  /** A symlinked config.json could put tokens in a file someone else owns: never follow it. */
  private refuseSymlink(): void {
    if (lstatSync(this.path, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new CliError("config_symlink", `The config file ${this.path} is a symbolic link; it was left as it is and nothing was saved.`, {
        hint:
          `Replace it with a plain file (${deleteCommand(this.path, this.fileModes)}, then run setup again), or choose another ` +
          "folder with --config-dir.",
      });
    }
  }

  /** Conf reads the file when opened and at every access; it may have been damaged in between. */
  private unreadable(error: unknown): CliError {
    // Never echo the parser's message: it quotes the file, secrets included.
    return error instanceof SyntaxError ? this.damaged("is not valid JSON", error) : this.unwritable(error);
  }

  private damaged(what: string, cause?: unknown): CliError {
    return new CliError("config_damaged", `The saved config at ${this.path} ${what}; it was left as it is.`, {
      hint: `Move it aside (${moveCommand(this.path, `${this.path}.bak`, this.fileModes)}) and run setup again, or repair it by hand.`,
      cause,
    });
  }

  private unwritable(cause: unknown): CliError {
    return unwritableFolder(this.dir, cause);
  }
}

/** A config folder this run cannot write, with the system's code; `said` adds what that means here ("nothing was changed"). */
export function unwritableFolder(dir: string, cause: unknown, said = ""): CliError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new CliError("config_unwritable", `Cannot write the config folder ${dir}${code ? ` (${code})` : ""}${said}.`, {
    hint: "Choose a folder you can write with --config-dir or CIO_POSTMARK_CONFIG_DIR.",
    cause,
  });
}
