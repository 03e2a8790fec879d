import { SECRET_NAME } from "../core/inputs.js";
import { mask } from "./mask.js";

/**
 * Other services' credentials that ride in what Postmark answers: another webhook's URL may carry a
 * password (`https://user:PASS@host/`) or a key in its query (`?api_key=KEY`), and its headers an
 * `Authorization` or `X-Api-Key`. None is ours to show, in output or in a trace meant for a public
 * bug report.
 */

/** The password of a URL's userinfo: `scheme://user:PASSWORD@`. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)([^\s/?#@]+)@/gi;
/** A query value whose name says it is a secret: key, token, secret, password, sig, auth. */
const SECRET_QUERY = /([?&;][^=&#\s"']*(?:key|token|secret|passw(?:or)?d|sig|auth)[^=&#\s"']*=)([^&;#\s"']+)/gi;

export function maskCredentialsInText(text: string): string {
  if (!text.includes("://") && !text.includes("=")) return text;
  return text
    .replace(URL_PASSWORD, (_match, before: string, password: string) => `${before}${mask(password)}@`)
    .replace(SECRET_QUERY, (_match, name: string, value: string) => `${name}${mask(value)}`);
}

/** A header as Postmark lists it (`{ Name, Value }`), its value masked when its name says it is a credential. */
export function isSecretHeader(value: unknown): value is { Name: string; Value: string } {
  if (typeof value !== "object" || value === null) return false;
  const { Name, Value } = value as Record<string, unknown>;
  return typeof Name === "string" && typeof Value === "string" && Value !== "" && SECRET_NAME.test(Name);
}
