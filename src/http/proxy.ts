import { usageError } from "../errors.js";
import { maskCredentialsInText } from "../ui/credentials.js";

/**
 * The HTTP proxy an office's environment names, read as curl reads it: `HTTPS_PROXY` for https URLs,
 * `HTTP_PROXY` for http ones (never one for the other), the lower-case names first, and `NO_PROXY`
 * for the hosts that go direct (names, `.domain` and `*.domain` suffixes, `host:port`, or `*`).
 * routeOf is the one decision: the requests take it, and doctor says it.
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

/** The proxies the environment names, each checked to be a URL, or undefined when it names none (requests go direct). */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const settings: ProxySettings = {};
  const httpsProxy = firstSet(env, "https_proxy", "HTTPS_PROXY");
  const httpProxy = firstSet(env, "http_proxy", "HTTP_PROXY");
  if (httpsProxy !== undefined) settings.httpsProxy = proxyUrl(httpsProxy, "HTTPS_PROXY").href;
  if (httpProxy !== undefined) settings.httpProxy = proxyUrl(httpProxy, "HTTP_PROXY").href;
  if (httpsProxy === undefined && httpProxy === undefined) return undefined;
  const noProxy = firstSet(env, "no_proxy", "NO_PROXY");
  if (noProxy !== undefined) settings.noProxy = noProxy;
  return settings;
}

export type Route = { proxy: URL; variable: string } | { direct: string };

/** Where a request to `url` goes: through the proxy its scheme's variable names, or direct and why. */
export function routeOf(settings: ProxySettings | undefined, url: URL): Route {
  const variable = url.protocol === "http:" ? "HTTP_PROXY" : "HTTPS_PROXY";
  const proxy = url.protocol === "http:" ? settings?.httpProxy : settings?.httpsProxy;
  if (proxy === undefined) return { direct: settings ? `no ${variable} is set` : "no proxy is set" };
  if (settings?.noProxy && bypasses(settings.noProxy, url)) return { direct: "NO_PROXY names it" };
  return { proxy: new URL(proxy), variable };
}

/** `*` alone is every host: as an entry it is the suffix "" that every host ends with. */
function bypasses(noProxy: string, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  const port = Number(url.port) || (url.protocol === "http:" ? 80 : 443);
  return noProxy.split(/[,\s]+/).some((entry) => {
    const [, name = entry, entryPort] = /^(.+):(\d+)$/.exec(entry) ?? [];
    if (entryPort && Number(entryPort) !== port) return false;
    const hostname = name.toLowerCase();
    return /^[.*]/.test(hostname) ? host.endsWith(hostname.replace(/^\*/, "")) : host === hostname;
  });
}

/** A proxy as it may be shown: its password masked. */
export const shownProxy = (proxy: URL | string) => maskCredentialsInText(String(proxy)).replace(/\/$/, "");

/**
 * The HTTP proxy SMTP handshakes go through, by CONNECT to the SMTP port: `--smtp-proxy`, else the
 * environment's ALL_PROXY when it is an http(s) one (a socks ALL_PROXY is left to the tools that speak it).
 */
export function smtpProxyFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) return proxyUrl(flag.trim(), "--smtp-proxy").href;
  const all = firstSet(env, "all_proxy", "ALL_PROXY") ?? "";
  return /^https?:\/\//i.test(all) ? proxyUrl(all, "ALL_PROXY").href : undefined;
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
export function proxySecrets(proxies: Array<string | undefined>): string[] {
  return proxies.flatMap((text) => {
    if (text === undefined) return [];
    const url = new URL(text);
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
const loadUndici = () => import("undici");
let undici: ReturnType<typeof loadUndici> | undefined;
const agents = new Map<string, unknown>();

/**
 * A fetch that takes routeOf's way for each request: direct with Node's fetch, or through the proxy
 * with undici's own fetch and ProxyAgent (bundled: Node's fetch ignores the proxy variables, and
 * NODE_USE_ENV_PROXY reaches only Node 24 and later). undici is loaded only when a proxy is named;
 * one agent per proxy keeps its connections for the run.
 */
export function routedFetch(settings: ProxySettings): FetchFunction {
  return async (input, init) => {
    const route = routeOf(settings, input);
    if ("direct" in route) return fetch(input, init);
    undici ??= loadUndici();
    const { ProxyAgent, fetch: proxied } = await undici;
    const key = route.proxy.href;
    if (!agents.has(key)) agents.set(key, new ProxyAgent(key));
    const dispatcher = agents.get(key) as InstanceType<typeof ProxyAgent>;
    return proxied(input, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
  };
}
