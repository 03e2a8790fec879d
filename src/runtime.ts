import { join } from "node:path";
import envPaths from "env-paths";
import { parsePostmarkApiUrl } from "./postmark/base-url.js";
import type { PostmarkSettings } from "./postmark/api.js";
import type { RetryPolicy } from "./postmark/retry.js";
import type { SmtpRoute } from "./smtp/verify.js";
import { ConfigStore } from "./store/config-store.js";
import { canPrompt, colorEnabled, type Io } from "./ui/io.js";
import { Output } from "./ui/output.js";
import { createPrompter, type Prompter } from "./ui/prompts.js";
import type { SecretRegistry } from "./ui/redact.js";
import type { SandboxSession } from "./sandbox/session.js";

/** The options every command shares (commander's names for them). */
export interface GlobalOptions {
  json?: boolean;
  input?: boolean;
  color?: boolean;
  configDir?: string;
  sandbox?: boolean;
}

/** Seams for in-process tests; users never set these. */
export interface RunOverrides {
  /** Where SMTP handshakes really go and which CA they trust: a loopback test server holding a certificate for Postmark's host names. */
  smtpRoute?: SmtpRoute;
  httpTimeoutMs?: number;
  smtpTimeoutMs?: number;
  lockWaitMs?: number;
  retry?: RetryPolicy;
}

/** Everything a command needs from its surroundings, decided once per run. */
export interface Runtime {
  io: Io;
  env: NodeJS.ProcessEnv;
  secrets: SecretRegistry;
  output: Output;
  prompter: Prompter;
  interactive: boolean;
  configDir: string;
  store: ConfigStore;
  sandbox?: SandboxSession;
  smtpRoute: SmtpRoute;
  smtpTimeoutMs: number;
  lockWaitMs: number;
  /** Parsed on first use, so commands that never call Postmark never fail on POSTMARK_API_URL. */
  postmark(): PostmarkSettings;
  close(): Promise<void>;
}

const HTTP_TIMEOUT_MS = 10_000;
const SMTP_TIMEOUT_MS = 10_000;
const LOCK_WAIT_MS = 30_000;

export function configDirFrom(options: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return options.configDir?.trim() || env.CIO_POSTMARK_CONFIG_DIR?.trim() || envPaths("cio-postmark", { suffix: "nodejs" }).config;
}

export async function createRuntime(
  options: GlobalOptions,
  io: Io,
  secrets: SecretRegistry,
  overrides: RunOverrides,
): Promise<Runtime> {
  const json = Boolean(options.json);
  const interactive = canPrompt({ io, noInput: options.input === false, json });
  const output = new Output(io, secrets, { json, color: colorEnabled(io, options.color === false) });
  const baseDir = configDirFrom(options, io.env);
  const timeoutMs = overrides.httpTimeoutMs ?? HTTP_TIMEOUT_MS;

  let sandbox: SandboxSession | undefined;
  if (options.sandbox) {
    const { startSandbox } = await import("./sandbox/session.js");
    sandbox = await startSandbox(join(baseDir, "sandbox"));
  }
  const configDir = sandbox ? sandbox.configDir : baseDir;
  let settings: PostmarkSettings | undefined;

  return {
    io,
    env: io.env,
    secrets,
    output,
    prompter: createPrompter(io, secrets, interactive),
    interactive,
    configDir,
    store: new ConfigStore(configDir),
    sandbox,
    smtpRoute: sandbox?.smtpRoute ?? overrides.smtpRoute ?? {},
    smtpTimeoutMs: overrides.smtpTimeoutMs ?? SMTP_TIMEOUT_MS,
    lockWaitMs: overrides.lockWaitMs ?? LOCK_WAIT_MS,
    postmark() {
      settings ??= {
        endpoint: sandbox ? sandbox.postmarkEndpoint : parsePostmarkApiUrl(io.env.POSTMARK_API_URL),
        timeoutMs,
        retry: overrides.retry,
      };
      return settings;
    },
    async close() {
      await sandbox?.close();
    },
  };
}
