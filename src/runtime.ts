import { userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import envPaths from "env-paths";
import { usageError } from "./errors.js";
import { carriedFlags, commandLine } from "./core/command-line.js";
import { invocationPrefix } from "./invocation.js";
import { currentPlatform, type Platform } from "./platform.js";
import { parsePostmarkApiUrl } from "./postmark/base-url.js";
import { proxyFromEnv, proxySecrets, smtpProxyFrom, type ProxySettings } from "./http/proxy.js";
import type { Region } from "./core/regions.js";
import type { PostmarkSettings } from "./postmark/api.js";
import type { RetryPolicy } from "./http/retry.js";
import type { BackoffPolicy } from "./http/backoff.js";
import { CustomerIoApi, parseCustomerIoOrigins } from "./customerio/api.js";
import type { SmtpRoute, VerifyOptions } from "./smtp/verify.js";
import { ConfigStore } from "./store/config-store.js";
import { moveLegacyConfigDir } from "./store/migrate.js";
import { withConfigLock } from "./store/lock.js";
import { Trace } from "./trace.js";
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
  trace?: string;
  /** setup's, doctor's and apply's --smtp-proxy: the HTTP proxy SMTP handshakes go through. */
  smtpProxy?: string;
}

/** Seams for in-process tests; users never set these. */
export interface RunOverrides {
  /** Where SMTP handshakes really go and which CA they trust: a loopback test server holding a certificate for Postmark's host names. */
  smtpRoute?: SmtpRoute;
  httpTimeoutMs?: number;
  smtpTimeoutMs?: number;
  smtpDeadlines?: VerifyOptions["deadlines"];
  lockWaitMs?: number;
  retry?: RetryPolicy;
  rateLimit?: BackoffPolicy;
  sendTest?: Partial<SendTestTiming>;
  endToEndTimeoutMs?: number;
  /** Windows or macOS, for tests of platform-aware behaviour. */
  platform?: Platform;
  /** How printed commands start, for in-process tests (whose script is the test runner's). */
  commandPrefix?: string;
}

/** Everything a command needs from its surroundings, decided once per run. */
export interface Runtime {
  io: Io;
  env: NodeJS.ProcessEnv;
  platform: Platform;
  secrets: SecretRegistry;
  output: Output;
  prompter: Prompter;
  interactive: boolean;
  configDir: string;
  store: ConfigStore;
  sandbox?: SandboxSession;
  /** --trace: the transcript of every Postmark exchange and SMTP dialogue. */
  trace?: Trace;
  /** How SMTP handshakes and test messages go: where, which CA, their timeouts, the trace. */
  smtp: Omit<VerifyOptions, "onStep">;
  sendTest: SendTestTiming;
  /** How long --end-to-end (and the wizard's proof) follows Customer.io's email unless --timeout says. */
  endToEndTimeoutMs: number;
  /** Runs `work` holding the config folder's lock (see store/lock.ts), saying so if a stale lock is taken over. */
  withLock<T>(command: string, work: () => Promise<T>): Promise<T>;
  /** A command for a person to run, as this run was started: `command("doctor", "--fix")`. */
  command(...args: string[]): string;
  /** Parsed on first use, so commands that never call Postmark never fail on POSTMARK_API_URL. */
  postmark(): PostmarkSettings;
  /** A Customer.io App API client for this key (registered as a secret first); its hosts are checked on first use. */
  customerio(key: string): CustomerIoApi;
  /** Customer.io's API origin in each region, as this run would call them. */
  customerioOrigins(): Record<Region, string>;
  close(): Promise<void>;
}

/** How --send-test looks for its message: at most once a second, for at most 2 minutes. */
export interface SendTestTiming {
  pollMs: number;
  timeoutMs: number;
}
const SEND_TEST: SendTestTiming = { pollMs: 1_000, timeoutMs: 120_000 };

const HTTP_TIMEOUT_MS = 10_000;
/** Customer.io's queue, Postmark, and the event's way back: 90 s covers a normal day. */
const END_TO_END_TIMEOUT_MS = 90_000;
const SMTP_TIMEOUT_MS = 10_000;
/** However a server drips: a handshake ends within 45 s, a test message within 90 s. */
const SMTP_DEADLINES = { handshakeMs: 45_000, messageMs: 90_000 };
const LOCK_WAIT_MS = 30_000;

/**
 * conf's per-user folder: ~/.config/cio-postmark, ~/Library/Preferences/cio-postmark, %APPDATA%\cio-postmark\Config.
 * Never a relative one, which would put tokens in whatever folder the run starts in (a repository, in CI):
 * a relative XDG_CONFIG_HOME is ignored, as the XDG spec says, and an empty HOME gives way to the system's record of it.
 */
function defaultConfigDir(suffix = ""): string {
  const found = envPaths("cio-postmark", { suffix }).config;
  if (isAbsolute(found)) return found;
  const home = [process.env.HOME, systemHome()].find((dir) => dir !== undefined && isAbsolute(dir));
  if (!home)
    throw usageError(
      "no_config_dir",
      "There is no home folder to keep the config in.",
      "Name a folder with --config-dir or CIO_POSTMARK_CONFIG_DIR.",
    );
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, ".config"), suffix ? `cio-postmark-${suffix}` : "cio-postmark");
}

function systemHome(): string | undefined {
  try {
    return userInfo().homedir;
  } catch {
    return undefined; // no record of this user (a container's arbitrary uid)
  }
}

/** Where 0.1 kept it (conf's default suffix). */
const legacyConfigDir = () => defaultConfigDir("nodejs");

/** The config folder: --config-dir, else CIO_POSTMARK_CONFIG_DIR, else the per-user default. Given but blank is an error. */
export function configDirFrom(options: GlobalOptions, env: NodeJS.ProcessEnv): string | undefined {
  const given: Array<[string, string | undefined]> = [
    ["--config-dir", options.configDir],
    ["CIO_POSTMARK_CONFIG_DIR", env.CIO_POSTMARK_CONFIG_DIR],
  ];
  for (const [name, value] of given) {
    if (value === undefined) continue;
    if (value.trim() === "")
      throw usageError("invalid_config_dir", `${name} is empty.`, `Give a folder, or leave ${name} out to use the default.`);
    return value.trim();
  }
  return undefined;
}

export async function createRuntime(options: GlobalOptions, io: Io, secrets: SecretRegistry, overrides: RunOverrides): Promise<Runtime> {
  const json = Boolean(options.json);
  const interactive = canPrompt({ io, noInput: options.input === false, json });
  const platform = overrides.platform ?? currentPlatform(io.env);
  const output = new Output(io, secrets, { json, color: colorEnabled(io, options.color === false), unicode: platform.unicode });
  const chosenDir = configDirFrom(options, io.env);
  const baseDir = chosenDir ?? defaultConfigDir();
  const trace =
    options.trace === undefined ? undefined : Trace.open(options.trace, secrets, { configDir: baseDir, fileModes: platform.fileModes });
  if (chosenDir === undefined) moveLegacyConfigDir(legacyConfigDir(), defaultConfigDir(), platform.fileModes);
  const timeoutMs = overrides.httpTimeoutMs ?? HTTP_TIMEOUT_MS;

  let sandbox: SandboxSession | undefined;
  if (options.sandbox) {
    const { startSandbox } = await import("./sandbox/session.js");
    sandbox = await startSandbox(join(baseDir, "sandbox"), platform.fileModes);
  }
  const configDir = sandbox ? sandbox.configDir : baseDir;
  const store = new ConfigStore(configDir, platform.fileModes);
  let settings: PostmarkSettings | undefined;
  let prefix: string | undefined;
  const customerioOrigins = () => (sandbox ? sandbox.customerioOrigins : parseCustomerIoOrigins(io.env));
  // --smtp-proxy is checked now, as every flag is; ALL_PROXY only when an SMTP exchange starts: commands that speak no
  // SMTP never fail on it.
  if (options.smtpProxy !== undefined) for (const secret of proxySecrets([smtpProxyFrom(options.smtpProxy, {})])) secrets.add(secret);
  let smtpProxy: { url?: string } | undefined;
  const smtpProxyUrl = () => {
    if (!smtpProxy) {
      smtpProxy = { url: sandbox ? undefined : smtpProxyFrom(options.smtpProxy, io.env) };
      for (const secret of proxySecrets([smtpProxy.url])) secrets.add(secret);
    }
    return smtpProxy.url;
  };
  // The office's proxy, read once when a request is first made; the sandbox's loopback servers are never behind it.
  let proxy: { settings?: ProxySettings } | undefined;
  const proxySettings = () => {
    if (!proxy) {
      proxy = { settings: sandbox ? undefined : proxyFromEnv(io.env) };
      for (const secret of proxy.settings ? proxySecrets([proxy.settings.httpsProxy, proxy.settings.httpProxy]) : []) secrets.add(secret);
    }
    return proxy.settings;
  };

  return {
    io,
    env: io.env,
    platform,
    secrets,
    output,
    prompter: createPrompter(io, secrets, interactive),
    interactive,
    configDir,
    store,
    sandbox,
    trace,
    smtp: {
      route: sandbox?.smtpRoute ?? overrides.smtpRoute ?? {},
      timeoutMs: overrides.smtpTimeoutMs ?? SMTP_TIMEOUT_MS,
      deadlines: overrides.smtpDeadlines ?? SMTP_DEADLINES,
      trace,
      get proxy() {
        return smtpProxyUrl();
      },
    },
    sendTest: { ...SEND_TEST, ...overrides.sendTest },
    endToEndTimeoutMs: overrides.endToEndTimeoutMs ?? END_TO_END_TIMEOUT_MS,
    withLock: (command, work) => {
      // Before anything is proven, sent or changed under the lock: a folder that could not take the save fails here.
      // It is made (0700) for the lock; reading alone makes none.
      store.assertWritable();
      return withConfigLock(
        configDir,
        { command, waitMs: overrides.lockWaitMs ?? LOCK_WAIT_MS, onTakeover: (message) => output.warn(message) },
        async () => {
          store.removeLeftovers();
          return work();
        },
      );
    },
    command: (...args) =>
      commandLine(
        {
          prefix: (prefix ??= overrides.commandPrefix ?? invocationPrefix(io.env, process.argv[1], platform.os === "win32")),
          carried: carriedFlags({ sandbox: options.sandbox, configDir: options.configDir?.trim() }),
          windows: platform.os === "win32",
        },
        args,
      ),
    postmark() {
      settings ??= {
        endpoint: sandbox ? sandbox.postmarkEndpoint : parsePostmarkApiUrl(io.env.POSTMARK_API_URL),
        timeoutMs,
        retry: overrides.retry,
        rateLimit: overrides.rateLimit,
        trace,
        proxy: proxySettings(),
      };
      return settings;
    },
    customerio(key) {
      secrets.add(key);
      return new CustomerIoApi(key, {
        origins: customerioOrigins(),
        timeoutMs,
        trace,
        rateLimit: overrides.rateLimit,
        retry: overrides.retry,
        redact: (text) => secrets.redact(text),
        proxy: proxySettings(),
      });
    },
    customerioOrigins,
    async close() {
      await sandbox?.close();
    },
  };
}
