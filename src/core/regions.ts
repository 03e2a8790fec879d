/** Customer.io's Postmark webhook endpoints, one per data-center region. */
export const REGIONS = ["us", "eu"] as const;
export type Region = (typeof REGIONS)[number];

export const REGION_WEBHOOK_URLS: Record<Region, string> = {
  us: "https://track.customer.io/postmark/events",
  eu: "https://track-eu.customer.io/postmark/events",
};

/** Where people sign in to Customer.io, per region. */
export const REGION_SIGN_IN: Record<Region, string> = {
  us: "https://fly.customer.io",
  eu: "https://fly-eu.customer.io",
};

/** "fly-eu.customer.io": the sign-in host, as people see it in their browser. */
export const signInHost = (region: Region) => new URL(REGION_SIGN_IN[region]).host;

const REGION_HOSTS: Record<string, Region> = { "track.customer.io": "us", "track-eu.customer.io": "eu" };
const EVENTS_PATH = "/postmark/events";

export function isRegion(value: string): value is Region {
  return (REGIONS as readonly string[]).includes(value);
}

/**
 * The region whose Customer.io webhook this URL points at, if any: by host (any case, any port,
 * http or https) and path (doubled or trailing slashes, a query or fragment still count). A
 * variant of the canonical URL is still Customer.io's, so it is repaired rather than duplicated.
 */
export function regionOfUrl(url: string): Region | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
  const region = REGION_HOSTS[parsed.hostname.toLowerCase().replace(/\.$/, "")];
  const path = parsed.pathname
    .replace(/\/{2,}/g, "/")
    .replace(/\/$/, "")
    .toLowerCase();
  return region && path === EVENTS_PATH ? region : undefined;
}
