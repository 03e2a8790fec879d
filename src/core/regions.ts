/** Customer.io's Postmark webhook endpoints, one per data-center region. */
export const REGIONS = ["us", "eu"] as const;
export type Region = (typeof REGIONS)[number];

export const REGION_WEBHOOK_URLS: Record<Region, string> = {
  us: "https://track.customer.io/postmark/events",
  eu: "https://track-eu.customer.io/postmark/events",
};

export function isRegion(value: string): value is Region {
  return (REGIONS as readonly string[]).includes(value);
}

/** The region whose Customer.io URL this is (ignoring case and a trailing slash), if any. */
export function regionOfUrl(url: string): Region | undefined {
  const normalized = url.trim().replace(/\/+$/, "").toLowerCase();
  return REGIONS.find((region) => REGION_WEBHOOK_URLS[region] === normalized);
}
