import type { Socket } from "node:net";
import { CliError } from "../errors.js";
import { shownProxy } from "../http/proxy.js";
import { shown } from "../ui/terminal-safe.js";

/**
 * SMTP through an office's HTTP proxy (--smtp-proxy, ALL_PROXY): Nodemailer's own CONNECT client
 * dials it (its `proxy` option); this module watches the tunnels it opens and names a proxy that
 * will not help as the proxy, never as a blocked port.
 */

export type SocketCallback = (error: Error | null, socket?: { connection: Socket }) => void;

/** Calls `opened` with each tunnel Nodemailer's proxy client opens, so the exchange can see it connected and cut it off. */
export function watchTunnels(transport: unknown, opened: (tunnel: Socket) => void): void {
  const mailer = transport as { getSocket: (options: unknown, callback: SocketCallback) => void };
  const throughProxy = mailer.getSocket.bind(mailer);
  mailer.getSocket = (options, callback) =>
    throughProxy(options, (error, socket) => {
      // The server's greeting may already wait in the tunnel: a "data" listener here would take it from Nodemailer.
      if (socket) opened(socket.connection);
      callback(error, socket);
    });
}

/** A handshake that never got through the proxy (--smtp-proxy, ALL_PROXY): the proxy is named, never the port. */
export function smtpProxyError(said: string, proxy: string, where: string, cause: unknown): CliError {
  const named = shownProxy(proxy);
  const status = /Invalid response from proxy: (\d+)/.exec(said)?.[1];
  if (status === "407")
    return new CliError("proxy_auth_required", `The SMTP proxy ${named} wants a login (407) before it connects to ${where}.`, {
      hint: "Put your proxy login in the proxy's URL (--smtp-proxy or ALL_PROXY): user name, a colon, password, then @ before its host.",
      cause,
    });
  if (status)
    return new CliError("proxy_refused", `The SMTP proxy ${named} refused to connect to ${where} (it answered ${status}).`, {
      hint:
        "Many proxies allow only web ports. Ask your IT team to allow the SMTP port, or prove the key pair from Customer.io's side " +
        "with doctor --end-to-end (it needs a Customer.io App API key).",
      cause,
    });
  return new CliError("proxy_unreachable", `Could not reach the SMTP proxy ${named}: ${shown(said)}.`, {
    hint: "Check --smtp-proxy (or ALL_PROXY) against your network's proxy settings.",
    cause,
  });
}
