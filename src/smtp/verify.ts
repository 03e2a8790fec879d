import { connect, isIP, type Socket } from "node:net";
import { TLS_INSPECTION_HINT, UNTRUSTED_CERTIFICATE_CODES } from "../http/network-failure.js";
import { format } from "node:util";
import { smtpHandshakes } from "../http/limiter.js";
import { smtpProxyError, watchTunnels, type SocketCallback } from "./through-proxy.js";
import { BLOCKED_PORT_HINT, PORT_BLOCKED, UNREACHABLE } from "./blocked-port.js";
import { CliError } from "../errors.js";
import type { Trace } from "../trace.js";
import { mask } from "../ui/redact.js";
import { shown } from "../ui/terminal-safe.js";

/**
 * The only module that talks to Nodemailer. Proves an SMTP key pair the way Customer.io will use
 * it: connect, STARTTLS (required), AUTH (forced), QUIT; and, for --send-test, sends one message
 * over the very same path.
 */

/** The server took the key pair but refused the message: at which command (MAIL FROM is the sender). */
export class SendRefusedError extends CliError {
  constructor(
    readonly at: string,
    message: string,
    options: { hint: string; cause: unknown },
  ) {
    super("send_test_rejected", message, options);
  }
}

export interface SmtpCredentials {
  host: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

/** Where the handshake really goes: the sandbox and tests dial a loopback server that holds a certificate for `host`. */
export interface SmtpRoute {
  /** Extra CA certificate (PEM) to trust besides the system's. */
  ca?: string;
  connectTo?: { host: string; port: number };
}

export type SmtpStep = "connected" | "encrypted" | "authenticated";

export const STEP_LABELS: Record<SmtpStep, string> = {
  connected: "connected",
  encrypted: "STARTTLS encryption on",
  authenticated: "key pair accepted",
};

export interface VerifyOptions {
  route: SmtpRoute;
  /** How long one stage may go without a word from the server. */
  timeoutMs: number;
  /**
   * How long the whole exchange may take: the handshake (connect to QUIT) and a message (to the
   * end of DATA). Nodemailer's timeouts are idle timeouts, which a server that drips a
   * continuation line every few seconds resets forever.
   */
  deadlines: { handshakeMs: number; messageMs: number };
  onStep?: (step: SmtpStep) => void;
  trace?: Trace;
  /** An HTTP proxy that allows CONNECT to the SMTP port (--smtp-proxy, ALL_PROXY): the handshake goes through it. */
  proxy?: string;
}

/** The one message --send-test sends. */
export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  originalCode?: string;
}

const CERTIFICATE_CODES = new Set([...UNTRUSTED_CERTIFICATE_CODES, "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID"]);

/** Connects, STARTTLS, AUTH, QUIT: proves the key pair and sends no mail. At most 4 at once in the process. */
export function verifySmtp(credentials: SmtpCredentials, options: VerifyOptions): Promise<void> {
  return smtpHandshakes.run(() => handshake(credentials, options));
}

async function handshake(credentials: SmtpCredentials, options: VerifyOptions): Promise<void> {
  const session = await openSession(credentials, options);
  try {
    await session.within(options.deadlines.handshakeMs, session.transport.verify());
    session.assertAuthenticated();
  } catch (error) {
    throw smtpError(error, credentials, session, options);
  } finally {
    session.release();
  }
}

/**
 * The same handshake, then MAIL, RCPT and DATA for one message. A refusal of the message itself
 * (a From that is no sender signature, say) is `send_test_rejected`, with the server's reply.
 */
export function sendSmtpMessage(credentials: SmtpCredentials, message: OutgoingMessage, options: VerifyOptions): Promise<void> {
  return smtpHandshakes.run(() => send(credentials, message, options));
}

async function send(credentials: SmtpCredentials, message: OutgoingMessage, options: VerifyOptions): Promise<void> {
  const session = await openSession(credentials, options);
  try {
    await session.within(options.deadlines.messageMs, session.transport.sendMail(message));
    session.assertAuthenticated();
  } catch (error) {
    const failure = error as NodemailerError;
    if (
      session.passed.includes("authenticated") &&
      failure.responseCode !== undefined &&
      ["MAIL FROM", "RCPT TO", "DATA"].includes(failure.command ?? "")
    ) {
      throw new SendRefusedError(
        failure.command!,
        `${credentials.host}:${credentials.port} refused the test message at ${failure.command}: ` +
          `${shown(failure.response ?? failure.message)}`,
        {
          hint:
            "The sender (--from) must be a confirmed sender signature or an address on a verified domain in Postmark, and the " +
            "recipient (--to) a valid address.",
          cause: error,
        },
      );
    }
    throw smtpError(error, credentials, session, options);
  } finally {
    session.release();
  }
}

/**
 * The TCP connection Nodemailer then speaks SMTP over (ours, so that a stalled exchange can be cut
 * off). Its failures carry the codes Nodemailer gives its own: EDNS, ETIMEDOUT, ESOCKET.
 */
function dial(
  target: { host: string; port: number },
  timeoutMs: number,
  callback: (error: Error | null, socket?: { connection: Socket }) => void,
  seen: { connected(): void; firstBytes(): void },
): Socket {
  const socket = connect({ host: target.host, port: target.port, timeout: timeoutMs });
  // Nodemailer logs a reply only once it is whole: the first bytes say the server is there, even if it drips.
  socket.once("data", seen.firstBytes);
  const fail = (error: NodeJS.ErrnoException) => {
    socket.destroy();
    const dns = error.code === "ENOTFOUND" || error.code === "EAI_AGAIN";
    callback(Object.assign(error, { code: dns ? "EDNS" : error.code === "ETIMEDOUT" ? "ETIMEDOUT" : "ESOCKET", originalCode: error.code }));
  };
  socket.once("connect", () => {
    socket.setTimeout(0);
    socket.removeAllListeners("error");
    seen.connected();
    callback(null, { connection: socket });
  });
  socket.once("timeout", () =>
    fail(Object.assign(new Error(`Connection timeout to ${target.host}:${target.port}`), { code: "ETIMEDOUT" })),
  );
  socket.once("error", fail);
  return socket;
}

/** What a session has got through, for saying where a failure happened. */
interface Progress {
  passed: SmtpStep[];
  /** The server has sent something (a line of its greeting at least). */
  greeted: boolean;
  /** The last command sent: "EHLO", "STARTTLS", "AUTH", "DATA", … */
  lastCommand?: string;
}

async function openSession(credentials: SmtpCredentials, options: VerifyOptions) {
  const { createTransport } = await import("nodemailer");
  const { host, port } = credentials;
  const target = options.route.connectTo ?? { host, port };
  const passed: SmtpStep[] = [];
  const progress: Progress = { passed, greeted: false };
  // Our own sockets, so a stalled exchange can be cut off (Nodemailer has no handle to abort one).
  const sockets: Socket[] = [];
  const release = () => sockets.forEach((socket) => socket.destroy());
  const pass = (step: SmtpStep) => {
    if (passed.includes(step)) return;
    passed.push(step);
    options.onStep?.(step);
  };
  const dialogue = options.trace ? smtpTranscript(options.trace) : undefined;
  // The socket is ours, so it says when it connected and first heard the server; Nodemailer's logger says the rest
  // (and, with --trace, gives the dialogue).
  const logger = {
    level: () => undefined,
    trace: () => undefined,
    debug: (entry: { tnx?: string }, message?: string, ...args: unknown[]) => {
      const line = format(message ?? "", ...args);
      if (entry.tnx === "server") progress.greeted = true;
      if (entry.tnx === "client") progress.lastCommand = /^[A-Za-z]+(?: FROM| TO)?/.exec(line)?.[0]?.toUpperCase() ?? progress.lastCommand;
      dialogue?.(entry.tnx, line);
    },
    warn: () => undefined,
    error: () => undefined,
    fatal: () => undefined,
    info: (entry: { action?: string }, message?: string) => {
      if (message === "Connection upgraded with STARTTLS") pass("encrypted");
      if (entry.action === "authenticated") pass("authenticated");
    },
  };
  const transport = createTransport({
    host: target.host,
    port: target.port,
    secure: false,
    requireTLS: true,
    forceAuth: true,
    auth: { user: credentials.accessKey, pass: credentials.secretKey },
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    logger,
    debug: true, // the dialogue tells which command a stalled server is stuck on
    ...(options.proxy
      ? { proxy: options.proxy }
      : {
          getSocket: (_options: unknown, callback: SocketCallback) => {
            const seen = { connected: () => pass("connected"), firstBytes: () => (progress.greeted = true) };
            sockets.push(dial(target, options.timeoutMs, callback, seen));
          },
        }),
    tls: {
      // Check the certificate against the name Customer.io will use, even when dialling elsewhere.
      ...(isIP(host) ? {} : { servername: host }),
      ...(options.route.ca ? { ca: [options.route.ca] } : {}),
    },
  });
  if (options.proxy)
    watchTunnels(transport, (tunnel) => {
      sockets.push(tunnel);
      pass("connected");
    });
  return {
    transport,
    passed,
    progress,
    /** The exchange, cut off when it outlasts `ms` however the server drips. */
    async within<T>(ms: number, work: Promise<T>): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const cutOff = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          release();
          reject(stalled(credentials, progress, ms));
        }, ms);
      });
      try {
        return await Promise.race([work, cutOff]);
      } finally {
        clearTimeout(timer);
      }
    },
    /** Nodemailer ends a connection it was handed, but may leave it half open: ours are closed for good. */
    release,
    assertAuthenticated() {
      // The server went on without accepting our credentials: never report that as a pass.
      if (!passed.includes("authenticated"))
        throw new CliError("smtp_not_authenticated", `${host}:${port} accepted the session without checking the key pair.`);
    },
  };
}

/**
 * The SMTP dialogue for --trace, one entry per line. Nodemailer already hides AUTH payloads; the
 * credentials lines are masked here too, so no version of it can put a key in the file.
 */
export function smtpTranscript(trace: Trace) {
  let answeringChallenge = false;
  return (direction: string | undefined, line: string) => {
    if (direction !== "client" && direction !== "server") return;
    let text = line;
    if (direction === "server") answeringChallenge = /^334\b/.test(line);
    else if (answeringChallenge) text = "••••";
    else text = line.replace(/^(AUTH\s+\S+)\s+\S.*$/i, "$1 ••••");
    trace.record({ kind: "smtp", direction, line: text });
  };
}

const STALLED_HINT =
  "The server answered at first, then stalled: try again in a few minutes; if it persists, run with --trace FILE and report it.";

/** Where a silent or dripping server stopped the exchange: before its greeting a port may be blocked; after, the server is slow. */
function stalled(credentials: SmtpCredentials, { greeted, lastCommand }: Progress, ms: number): CliError {
  const where = `${credentials.host}:${credentials.port}`;
  const seconds = Math.round(ms / 1000);
  if (!greeted) {
    return new CliError(PORT_BLOCKED, `No answer from ${where} within ${seconds} s: the port may be blocked on this network.`, {
      hint: BLOCKED_PORT_HINT,
    });
  }
  return new CliError("smtp_timeout", `${where} gave no final answer ${lastCommand ? `after ${lastCommand} ` : ""}within ${seconds} s.`, {
    hint: STALLED_HINT,
  });
}

function smtpError(
  error: unknown,
  credentials: SmtpCredentials,
  session: { progress: Progress },
  { timeoutMs, proxy }: Pick<VerifyOptions, "timeoutMs" | "proxy">,
): CliError {
  if (error instanceof CliError) return error;
  const { passed } = session.progress;
  const failure = error as NodemailerError;
  const where = `${credentials.host}:${credentials.port}`;
  const progress = passed.length ? ` (got as far as: ${passed.map((step) => STEP_LABELS[step]).join(", ")})` : "";
  const make = (code: string, message: string, hint: string) => new CliError(code, `${message}${progress}`, { hint, cause: error });
  if (proxy && !passed.includes("connected")) return smtpProxyError(failure.message, proxy, where, error);

  if (failure.code === "EAUTH" && failure.responseCode === 535) {
    return make(
      "smtp_auth_rejected",
      `The SMTP server at ${where} rejected the key pair (Access Key ${mask(credentials.accessKey)}).`,
      "Copy the Access Key and Secret Key again from the stream's Settings tab. A token only works for the stream it was generated on, " +
        "and Postmark shows the Secret Key once: if it is lost, generate a new token.",
    );
  }
  if (failure.code === "EAUTH") {
    return make(
      "smtp_auth_failed",
      `The SMTP server at ${where} did not accept authentication: ${shown(failure.response ?? failure.message)}.`,
      "Make sure SMTP is enabled on the server and that the host matches the stream type (smtp.postmarkapp.com for transactional, " +
        "smtp-broadcasts.postmarkapp.com for broadcasts).",
    );
  }
  if (failure.code === "ETLS") {
    return make(
      "smtp_no_starttls",
      `The SMTP server at ${where} did not offer STARTTLS encryption, so the keys were not sent.`,
      "Postmark always offers STARTTLS on ports 587, 2525 and 25: check --smtp-host and --smtp-port.",
    );
  }
  if (failure.originalCode && CERTIFICATE_CODES.has(failure.originalCode)) {
    return make(
      "smtp_certificate",
      `The certificate of ${where} could not be trusted (${failure.originalCode}).`,
      UNTRUSTED_CERTIFICATE_CODES.has(failure.originalCode)
        ? TLS_INSPECTION_HINT
        : "Check --smtp-host: Postmark's certificates name smtp.postmarkapp.com and smtp-broadcasts.postmarkapp.com.",
    );
  }
  if (failure.code === "EDNS") {
    return make("smtp_dns", `Cannot find the SMTP host ${credentials.host}.`, "Check the host name and your DNS or network connection.");
  }
  if (failure.code === "ETIMEDOUT" && session.progress.greeted) {
    return make(
      "smtp_timeout",
      `No answer from ${where}${session.progress.lastCommand ? ` after ${session.progress.lastCommand}` : ""} for ` +
        `${Math.round(timeoutMs / 1000)} s.`,
      STALLED_HINT,
    );
  }
  if (failure.code === "ETIMEDOUT") {
    return make(
      PORT_BLOCKED,
      `No answer from ${where} within ${Math.round(timeoutMs / 1000)} s: the port may be blocked on this network.`,
      BLOCKED_PORT_HINT,
    );
  }
  if (failure.code === "ESOCKET" && UNREACHABLE.has(failure.originalCode ?? "")) {
    return make(
      PORT_BLOCKED,
      `Could not connect to ${where} (${failure.originalCode}): the port may be blocked on this network.`,
      BLOCKED_PORT_HINT,
    );
  }
  return make(
    "smtp_failed",
    `The SMTP check against ${where} failed: ${shown(failure.message)}.`,
    "Check your network, --smtp-host and --smtp-port, then run the command again.",
  );
}
