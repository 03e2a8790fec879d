import { usageError } from "../errors.js";

/** An API's base URL from the environment, where a secret will be sent: https, or plain http only on this machine. */
export interface ApiOriginRule {
  /** The variable it came from, named in errors. */
  variable: string;
  defaultUrl: string;
  /** What would travel in clear over plain http, for the error: "your Postmark tokens". */
  secrets: string;
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function parseApiOrigin(value: string | undefined, { variable, defaultUrl, secrets }: ApiOriginRule): URL {
  const raw = value?.trim() || defaultUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError("invalid_api_url", `${variable} is not a URL: "${raw}".`, `Use a URL such as ${defaultUrl}.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw usageError("invalid_api_url", `${variable} must start with https:// (got "${url.protocol}").`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw usageError(
      "insecure_api_url",
      `${variable} uses plain http:// for ${url.hostname}: ${secrets} would cross the network unencrypted.`,
      "Use https://, or plain http:// only for a loopback host (127.0.0.1, localhost, [::1]) such as a local simulator.",
    );
  }
  if (url.pathname !== "/" || url.search || url.username || url.password) {
    throw usageError(
      "invalid_api_url",
      `${variable} must be a bare origin, with no path, query or credentials.`,
      `For example ${defaultUrl}.`,
    );
  }
  return url;
}
