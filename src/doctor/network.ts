import { routeOf, shownProxy } from "../http/proxy.js";
import { shown } from "../ui/terminal-safe.js";
import type { Runtime } from "../runtime.js";
import type { ConnectionReport } from "./collect.js";

/**
 * What network doctor saw, for the person behind an office's proxy: how Postmark's and Customer.io's
 * requests went (through which proxy, masked, or direct and why), and whether each SMTP port answered
 * (its smtp-auth check: proved, blocked here, or not tried).
 */

type Route = { host: string; proxy: string; variable: string } | { host: string; direct: string };

export interface NetworkSeen {
  postmark: Route;
  /** Absent when Customer.io's address could not be read (doctor's checks say why). */
  customerio?: Route;
  smtpProxy: string | null;
  smtp: Array<{ host: string; port: number; answered: boolean }>;
}

export function networkSeen(runtime: Runtime, reports: ConnectionReport[]): NetworkSeen {
  const settings = runtime.postmark();
  const route = (url: URL): Route => {
    if (runtime.sandbox) return { host: url.host, direct: "the sandbox's simulators, on this machine" };
    const way = routeOf(settings.proxy, url);
    return "direct" in way
      ? { host: url.host, direct: way.direct }
      : { host: url.host, proxy: shownProxy(way.proxy), variable: way.variable };
  };
  const region = reports[0]?.connection.region ?? "us";
  let customerio: Route | undefined;
  try {
    customerio = route(new URL(runtime.customerioOrigins()[region]));
  } catch {
    customerio = undefined;
  }
  const smtp = reports.flatMap(({ connection, checks }) => {
    const auth = checks.find((check) => check.id === "smtp-auth");
    if (!connection.smtp || !auth || (auth.status !== "pass" && !auth.details?.portBlocked)) return [];
    return [{ host: connection.smtp.host, port: connection.smtp.port, answered: auth.status === "pass" }];
  });
  const unique = [...new Map(smtp.map((entry) => [`${entry.host}:${entry.port}:${entry.answered}`, entry])).values()];
  return {
    postmark: route(new URL(settings.endpoint.url)),
    ...(customerio ? { customerio } : {}),
    smtpProxy: runtime.smtp.proxy ? shownProxy(runtime.smtp.proxy) : null,
    smtp: unique,
  };
}

/** The network in one line: "Network: Postmark (api.postmarkapp.com) through the proxy … (HTTPS_PROXY); …". */
export function networkLine(seen: NetworkSeen): string {
  const way = (route: Route) => ("proxy" in route ? `through the proxy ${route.proxy} (${route.variable})` : `direct (${route.direct})`);
  const services = [`Postmark (${shown(seen.postmark.host)}) ${way(seen.postmark)}`];
  if (seen.customerio) {
    const same = way(seen.customerio) === way(seen.postmark);
    services.push(`Customer.io (${shown(seen.customerio.host)}) ${same ? "the same way" : way(seen.customerio)}`);
  }
  const via = seen.smtpProxy ? ` through the proxy ${seen.smtpProxy}` : "";
  const smtp = seen.smtp.map(({ host, port, answered }) => `SMTP ${shown(host)}:${port}${via} ${answered ? "answered" : "blocked here"}`);
  return `Network: ${[...services, ...smtp].join("; ")}.`;
}
