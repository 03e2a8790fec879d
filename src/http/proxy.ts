import { usageError } from "../errors.js";
import { maskCredentialsInText } from "../ui/credentials.js";

/**
 * The HTTP proxy an office's environment names, read as curl and npm read it: `HTTPS_PROXY` for
 * https URLs, `HTTP_PROXY` for http ones, the lower-case names first, and `NO_PROXY` for the hosts
 * that go direct. undici's EnvHttpProxyAgent does the routing (NO_PROXY's names, `.domain`
 * suffixes, `*` and ports); this module reads the variables from the run's environment, so the
 * proxy is one fact a run can show (masked) and tests can set.
 */

export interface ProxySettings {
  httpsProxy?: string;
  httpProxy?: string;
  noProxy?: string;
}

/** The first of the names that is set and not blank. */
function firstSet(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  return names.map((name) => env[name]?.trim()).find((value) => value !== undefined && value !== "");
}

/** The proxies the environment names, or undefined when it names none (requests go direct). */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const httpsProxy = firstSet(env, "https_proxy", "HTTPS_PROXY");
  const httpProxy = firstSet(env, "http_proxy", "HTTP_PROXY");
  if (httpsProxy === undefined && httpProxy === undefined) return undefined;
  const settings: ProxySettings = { httpsProxy: httpsProxy ?? httpProxy, httpProxy: httpProxy ?? httpsProxy };
  const noProxy = firstSet(env, "no_proxy", "NO_PROXY");
  if (noProxy !== undefined) settings.noProxy = noProxy;
  for (const url of [settings.httpsProxy!, settings.httpProxy!]) proxyUrl(url);
  return settings;
}

/** The variable a request to `url` takes its proxy from, as a person would look for it. */
export function proxyVariable(url: URL): string {
  return url.protocol === "http:" ? "HTTP_PROXY" : "HTTPS_PROXY";
}

/**
 * Where a request to `url` goes: through which proxy (masked, and the variable naming it), or direct
 * because NO_PROXY names the host. NO_PROXY is read as undici's agent reads it (names, `.domain` and
 * `*.domain` suffixes, `host:port`, or `*` alone), so what doctor says is what the requests did.
 */
export function routeOf(settings: ProxySettings | undefined, url: URL): { proxy: string; variable: string } | { direct: string } {
  if (!settings) return { direct: "no HTTPS_PROXY or HTTP_PROXY is set" };
  if (settings.noProxy && bypasses(settings.noProxy, url)) return { direct: "NO_PROXY names it" };
  return { proxy: maskCredentialsInText(proxyFor(settings, url).href).replace(/\/$/, ""), variable: proxyVariable(url) };
}

function bypasses(noProxy: string, url: URL): boolean {
  if (noProxy === "*") return true;
  const host = url.hostname.toLowerCase();
  const port = Number(url.port) || (url.protocol === "http:" ? 80 : 443);
  return noProxy
    .split(/[,\s]/)
    .filter(Boolean)
    .some((entry) => {
      const [, name = entry, entryPort] = /^(.+):(\d+)$/.exec(entry) ?? [];
      if (entryPort && Number(entryPort) !== port) return false;
      const hostname = name.toLowerCase();
      return /^[.*]/.test(hostname) ? host.endsWith(hostname.replace(/^\*/, "")) : host === hostname;
    });
}

/** The proxy a request to `url` would use, ignoring NO_PROXY (the caller knows the request went to it). */
export function proxyFor(settings: ProxySettings, url: URL): URL {
  return proxyUrl(url.protocol === "http:" ? settings.httpProxy! : settings.httpsProxy!);
}

/**
 * The HTTP proxy SMTP handshakes go through, by CONNECT to the SMTP port: `--smtp-proxy`, else the
 * environment's ALL_PROXY when it is an http(s) one (a socks ALL_PROXY is left to the tools that speak it).
 */
export function smtpProxyFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) return proxyUrl(flag.trim(), "--smtp-proxy").href;
  const all = firstSet(env, "all_proxy", "ALL_PROXY");
  return all !== undefined && /^https?:\/\//i.test(all) ? proxyUrl(all, "ALL_PROXY").href : undefined;
}

/** A proxy URL as written (`host:port` alone means http://), or a usage error naming where it came from. */
function proxyUrl(text: string, from = "HTTPS_PROXY or HTTP_PROXY"): URL {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // said below
  }
  throw usageError(
    "proxy_invalid",
    `The proxy ${maskCredentialsInText(text)} in ${from} is not an http:// or https:// URL.`,
    "Write it as http://proxy.example:8080 (with user:password@ before the host if it needs a login).",
  );
}

/**
 * What of the proxies' logins must never be shown: each password as written and decoded, and each
 * `user:password` (whose base64, registered beside it, is the Proxy-Authorization header).
 */
export function proxySecrets(settings: ProxySettings): string[] {
  return [settings.httpsProxy!, settings.httpProxy!].flatMap((text) => {
    const url = proxyUrl(text);
    if (url.password === "") return [];
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    };
    return [url.password, decode(url.password), `${decode(url.username)}:${decode(url.password)}`];
  });
}

type FetchFunction = (input: URL, init: RequestInit) => Promise<Response>;
let proxied: { key: string; fetch: Promise<FetchFunction> } | undefined;

/**
 * undici's own fetch with an EnvHttpProxyAgent made from these settings, one per run: Node's fetch
 * ignores the proxy variables (NODE_USE_ENV_PROXY reaches only Node 24 and later), and the agent
 * bundled with the tool works the same on every Node from 20 on. Loaded only when a proxy is named.
 */
export function proxiedFetch(settings: ProxySettings): Promise<FetchFunction> {
  const key = JSON.stringify(settings);
  if (proxied?.key !== key) {
    proxied = {
      key,
      fetch: import("undici").then(({ EnvHttpProxyAgent, fetch }) => {
        // undici announces the agent as experimental with a process warning nobody running the tool can act on.
        const emitWarning = process.emitWarning;
        process.emitWarning = () => undefined;
        let dispatcher: InstanceType<typeof EnvHttpProxyAgent>;
        try {
          // Every value given: an absent one would send undici to process.env, which is not always the run's environment.
          dispatcher = new EnvHttpProxyAgent({
            httpProxy: settings.httpProxy,
            httpsProxy: settings.httpsProxy,
            noProxy: settings.noProxy ?? "",
          });
        } finally {
          process.emitWarning = emitWarning;
        }
        return (input, init) => fetch(input, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
      }),
    };
  }
  return proxied.fetch;
}
