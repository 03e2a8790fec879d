import type { AddressInfo } from "node:net";
import type { SMTPServer as SmtpServerType } from "smtp-server";
import type { Certificate } from "./certificate.js";

/**
 * A real SMTP server on loopback that behaves like Postmark's for a credential check: STARTTLS,
 * then AUTH PLAIN/LOGIN against known key pairs. Also lets tests take STARTTLS or AUTH away.
 */

export interface KeyPair {
  accessKey: string;
  secretKey: string;
}

export interface LoopbackSmtpOptions {
  certificate: Certificate;
  keyPairs: KeyPair[];
  /** Do not offer STARTTLS at all. */
  noStartTls?: boolean;
  /** Do not advertise or accept AUTH. */
  noAuth?: boolean;
}

export interface LoopbackSmtp {
  port: number;
  /** Logins tried: whether each was accepted and whether TLS was on at the time. */
  logins: Array<{ accessKey: string; accepted: boolean; secure: boolean }>;
  /** Messages received (a credential check must send none). */
  messages: number;
  close(): Promise<void>;
}

export async function startLoopbackSmtp(options: LoopbackSmtpOptions): Promise<LoopbackSmtp> {
  const { SMTPServer } = await import("smtp-server");
  const logins: LoopbackSmtp["logins"] = [];
  let messages = 0;
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
    onAuth(auth, session, callback) {
      const accepted = options.keyPairs.some((pair) => pair.accessKey === auth.username && pair.secretKey === auth.password);
      logins.push({ accessKey: auth.username ?? "", accepted, secure: session.secure });
      if (!session.secure) return callback(new Error("Must issue a STARTTLS command first"));
      if (!accepted) return callback(Object.assign(new Error("5.7.8 Error: authentication failed"), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onData(stream, _session, callback) {
      messages += 1;
      stream.resume();
      stream.on("end", () => callback());
    },
  });
  server.on("error", () => undefined); // a client that disconnects mid-session is not our failure
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    logins,
    get messages() {
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
