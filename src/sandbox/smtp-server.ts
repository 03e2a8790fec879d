import type { AddressInfo } from "node:net";
import type { SMTPServer as SmtpServerType } from "smtp-server";
import type { Certificate } from "./certificate.js";

/**
 * A real SMTP server on loopback that behaves like Postmark's: STARTTLS, then AUTH PLAIN/LOGIN
 * against known key pairs, each bound to one server and stream; MAIL FROM only from an address the
 * account may send from; DATA hands the message to the simulator on the token's own stream. Also
 * lets tests take STARTTLS or AUTH away.
 */

export interface KeyPair {
  accessKey: string;
  secretKey: string;
  /** The server and stream the token was generated on: where its messages go. */
  serverId?: number;
  streamId?: string;
}

export interface ReceivedMessage {
  keyPair: KeyPair;
  from: string;
  to: string[];
  /** Header names in lower case, folded lines joined. */
  headers: Record<string, string>;
  /** The whole message as sent. */
  raw: string;
}

export interface LoopbackSmtpOptions {
  certificate: Certificate;
  keyPairs: KeyPair[];
  /** Do not offer STARTTLS at all. */
  noStartTls?: boolean;
  /** Do not advertise or accept AUTH. */
  noAuth?: boolean;
  /** Whether the account may send from this address (a confirmed sender signature or verified domain); all may when absent. */
  acceptsSender?: (address: string) => boolean;
  onMessage?: (message: ReceivedMessage) => void;
  /** Refuse every recipient, or every message once sent, as a relay may. */
  refuseAt?: "RCPT TO" | "DATA";
}

export interface LoopbackSmtp {
  port: number;
  /** Logins tried: whether each was accepted and whether TLS was on at the time. */
  logins: Array<{ accessKey: string; accepted: boolean; secure: boolean }>;
  /** Messages received (a credential check must send none). */
  messages: number;
  /** The most SMTP sessions that were open at once: what a client's cap on handshakes is judged by. */
  peakSessions: number;
  close(): Promise<void>;
}

export async function startLoopbackSmtp(options: LoopbackSmtpOptions): Promise<LoopbackSmtp> {
  const { SMTPServer } = await import("smtp-server");
  const logins: LoopbackSmtp["logins"] = [];
  let messages = 0;
  // A session counts from its connection until QUIT (or the socket closing, without one): a client
  // that quit has finished its handshake even if the socket's close reaches us a moment later.
  const openSessions = new Set<string>();
  let peakSessions = 0;
  const pairOf = (accessKey: string | undefined) => options.keyPairs.find((pair) => pair.accessKey === accessKey);
  const disabledCommands = [...(options.noStartTls ? ["STARTTLS"] : []), ...(options.noAuth ? ["AUTH"] : [])];
  const server: SmtpServerType = new SMTPServer({
    secure: false,
    key: options.certificate.key,
    cert: options.certificate.cert,
    authMethods: ["PLAIN", "LOGIN"],
    disabledCommands,
    // Like Postmark: AUTH is only offered once the session is encrypted.
    hideSTARTTLS: false,
    disableReverseLookup: true,
    banner: "Postmark SMTP simulator",
    onConnect(session, callback) {
      openSessions.add(session.id);
      peakSessions = Math.max(peakSessions, openSessions.size);
      callback();
    },
    onClose(session) {
      openSessions.delete(session.id);
    },
    onAuth(auth, session, callback) {
      const pair = pairOf(auth.username);
      const accepted = pair !== undefined && pair.secretKey === auth.password;
      logins.push({ accessKey: auth.username ?? "", accepted, secure: session.secure });
      if (!session.secure) return callback(new Error("Must issue a STARTTLS command first"));
      if (!accepted) return callback(Object.assign(new Error("5.7.8 Error: authentication failed"), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onMailFrom(address, _session, callback) {
      if (options.acceptsSender && !options.acceptsSender(address.address)) {
        return callback(Object.assign(new Error(`5.7.1 Sender signature not confirmed for ${address.address}`), { responseCode: 550 }));
      }
      callback();
    },
    onRcptTo(_address, _session, callback) {
      if (options.refuseAt === "RCPT TO")
        return callback(Object.assign(new Error("5.1.1 Recipient address rejected"), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      if (options.refuseAt === "DATA") {
        stream.on("end", () => callback(Object.assign(new Error("5.7.1 Message refused"), { responseCode: 554 })));
        return stream.resume();
      }
      messages += 1;
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const keyPair = pairOf(session.user as string | undefined);
        if (keyPair && options.onMessage) {
          const raw = Buffer.concat(chunks).toString("utf8");
          options.onMessage({
            keyPair,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
            headers: parseHeaders(raw),
            raw,
          });
        }
        callback();
      });
    },
  });
  server.on("error", () => undefined); // a client that disconnects mid-session is not our failure
  greetAtOnce(server, (id) => openSessions.delete(id));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    logins,
    get messages() {
      return messages;
    },
    get peakSessions() {
      return peakSessions;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * smtp-server holds every greeting back 100 ms to catch clients that talk too soon. Postmark's own
 * servers gain nothing from imitating that here, and every handshake in the tests would pay it.
 * Each new session is readied as soon as its socket is set up, which is all the delay waits for.
 * smtp-server has no hook for QUIT, so `onQuit` is called from its handler.
 */
function greetAtOnce(server: SmtpServerType, onQuit: (sessionId: string) => void): void {
  const add = server.connections.add.bind(server.connections);
  server.connections.add = (connection) => {
    connection.init = () => connection._setListeners(() => connection.connectionReady());
    const quit = connection.handler_QUIT.bind(connection);
    connection.handler_QUIT = (command: Buffer, callback: () => void) => {
      onQuit(connection.id);
      quit(command, callback);
    };
    return add(connection);
  };
}

function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The Messages API's view of a received message: tag, metadata, subject, on the token's stream. */
export function sentMessageOf(message: ReceivedMessage) {
  const metadata = Object.fromEntries(
    Object.entries(message.headers)
      .filter(([name]) => name.startsWith("x-pm-metadata-"))
      .map(([name, value]) => [name.slice("x-pm-metadata-".length), value]),
  );
  return {
    ServerID: message.keyPair.serverId ?? 0,
    MessageStream: message.keyPair.streamId ?? "outbound",
    Tag: message.headers["x-pm-tag"] ?? "",
    From: message.from,
    To: message.to.map((address) => ({ Email: address, Name: "" })),
    Recipients: message.to,
    Subject: message.headers.subject ?? "",
    Metadata: metadata,
  };
}
