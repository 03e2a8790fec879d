import { CliError } from "../errors.js";
import { routeOf, shownProxy, type ProxySettings } from "./proxy.js";

/**
 * A request that failed on the way, said as what failed: the office's proxy (it wants a login, it
 * refused the host, it cannot be reached) or a certificate a TLS-inspecting proxy re-signed, rather
 * than "could not reach Postmark" while curl to the same host works.
 */

/** Certificate errors a proxy that re-signs TLS with its own CA causes (Node's and OpenSSL's codes). */
export const UNTRUSTED_CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** What to do about a certificate a proxy re-signed; never "turn verification off". */
export const TLS_INSPECTION_HINT =
  "A proxy on your network is probably inspecting TLS with its own CA. Trust that CA, and keep checking certificates: " +
  "NODE_USE_SYSTEM_CA=1 uses your system's trust store, where IT usually installs it (Node 22.19+, 24.6+ and 26), or " +
  "NODE_EXTRA_CA_CERTS=/path/to/ca.pem names the CA's file (any Node).";

const CONNECT_FAILURES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "ETIMEDOUT"]);

interface Failure {
  code?: unknown;
  message?: unknown;
  hostname?: unknown;
  port?: unknown;
  cause?: unknown;
}

/** The error and its causes, at most eight deep (a cause may point back at itself). */
function causes(error: unknown): Failure[] {
  const chain: Failure[] = [];
  for (let cause = error as Failure | undefined; cause && chain.length < 8; cause = cause.cause as Failure | undefined) chain.push(cause);
  return chain;
}

/** The failure named for a person, or undefined when it is none of these (the caller's words stand). */
export function namedNetworkFailure(
  error: unknown,
  url: URL,
  service: { code: string; name: string },
  proxy: ProxySettings | undefined,
): CliError | undefined {
  const chain = causes(error);
  const certificate = chain.find((cause) => UNTRUSTED_CERTIFICATE_CODES.has(String(cause.code)));
  if (certificate) {
    return new CliError(
      "tls_untrusted",
      `The certificate ${url.host} presented is not one Node trusts (${String(certificate.code)}), so nothing was sent to ${service.name}.`,
      { hint: TLS_INSPECTION_HINT, cause: error },
    );
  }
  const route = routeOf(proxy, url);
  if ("direct" in route) return undefined;
  const { proxy: through, variable } = route;
  const named = shownProxy(through);
  const tunnel = chain.map((cause) => /Proxy response \((\d+)\)/.exec(String(cause.message))).find(Boolean);
  if (tunnel) {
    const status = Number(tunnel[1]);
    return status === 407
      ? new CliError("proxy_auth_required", `The proxy ${named} wants a login (407) before it connects to ${url.host}.`, {
          hint:
            `Put your proxy login in ${variable}, before the proxy's host: user name, a colon, password, then @ ` +
            `(percent-encode any @ : / in the password).`,
          cause: error,
        })
      : new CliError("proxy_refused", `The proxy ${named} refused to connect to ${url.host} (it answered ${status}).`, {
          hint:
            `Ask your IT team to allow ${url.host} on port ${url.port || 443} through the proxy, or add it to NO_PROXY if it is ` +
            `reachable directly.`,
          cause: error,
        });
  }
  const proxyPort = Number(through.port || (through.protocol === "https:" ? 443 : 80));
  // The proxy's own host or port in the failure: a host NO_PROXY sends direct fails as itself.
  const unreachable = chain.find(
    (cause) =>
      typeof cause.code === "string" &&
      CONNECT_FAILURES.has(cause.code) &&
      (cause.hostname === through.hostname || cause.port === proxyPort),
  );
  if (unreachable) {
    return new CliError(
      "proxy_unreachable",
      `Could not reach the proxy ${named} (${String(unreachable.code)}) that ${variable} names, so nothing reached ${service.name}.`,
      { hint: `Check ${variable} (and NO_PROXY for hosts that go direct) against your network's proxy settings.`, cause: error },
    );
  }
  return undefined;
}
