import { parseApiOrigin } from "../core/api-origin.js";

export const DEFAULT_POSTMARK_API_URL = "https://api.postmarkapp.com";

/** How the `postmark` client is pointed at a host: it builds `${useHttps ? "https" : "http"}://${requestHost}`. */
export interface PostmarkEndpoint {
  url: string;
  useHttps: boolean;
  requestHost: string;
}

/** Reads `POSTMARK_API_URL`; plain http is refused unless the host is this machine (tokens would travel in clear). */
export function parsePostmarkApiUrl(value: string | undefined): PostmarkEndpoint {
  const url = parseApiOrigin(value, {
    variable: "POSTMARK_API_URL",
    defaultUrl: DEFAULT_POSTMARK_API_URL,
    secrets: "your Postmark tokens",
  });
  return { url: url.origin, useHttps: url.protocol === "https:", requestHost: url.host };
}
