import { CliError } from "../errors.js";
import { REGION_WEBHOOK_URLS } from "../core/regions.js";
import { failedTriggerWords } from "../core/webhook-health.js";
import { shown } from "../ui/terminal-safe.js";
import { triggerChecks } from "./shapes.js";

/** The fields every `postmark` client error carries (Errors.PostmarkError). */
interface ClientError {
  name: string;
  message: string;
  code?: number;
  statusCode?: number;
  /** The body as Postmark sent it, attached by api.ts: a 1364 refusal's per-trigger results are there. */
  answer?: string;
}

/** Keeps the answer's body with a client error, for the refusals whose details are only there. */
export function withAnswer(error: unknown, answer: string | undefined): unknown {
  if (isClientError(error) && answer !== undefined) error.answer = answer;
  return error;
}

/** ErrorCode 1364: Postmark called the URL before saving, and a call failed. */
const VERIFICATION_FAILED = 1364;

export type TokenKind = "account" | "server";

export interface RequestContext {
  /** What we were doing, for the message: "list your servers", "create the webhook". */
  action: string;
  token: TokenKind;
  /** Where the token came from, for the hint: "POSTMARK_SERVER_TOKEN", "the token you pasted", … */
  source: string;
  baseUrl: string;
}

/** Postmark answered 401 to a token: the wizard may ask again, or find it is the other kind. */
export class TokenRejectedError extends CliError {
  constructor(
    readonly tokenKind: TokenKind,
    message: string,
    options: { hint: string; cause: unknown },
  ) {
    super("postmark_unauthorized", message, options);
  }
}

function isClientError(error: unknown): error is ClientError {
  return error instanceof Error && "statusCode" in error;
}

export function statusOf(error: unknown): number | undefined {
  return isClientError(error) ? error.statusCode : undefined;
}

/** Postmark's ErrorCode of a client error. */
export function codeOf(error: unknown): number | undefined {
  return isClientError(error) ? error.code : undefined;
}

/**
 * 5xx from Postmark or its load balancers, and network failures (status 0), may pass if tried
 * again; 401 and 422 never do. 429 is not here: the guarded fetch (http/backoff.ts) waits it out,
 * and a 429 that outlasts that is an answer.
 */
const TRANSIENT_STATUSES = new Set<number | undefined>([0, 500, 502, 503, 504]);

export function isTransient(error: unknown): boolean {
  return TRANSIENT_STATUSES.has(statusOf(error));
}

export const TOKEN_HELP: Record<TokenKind, { name: string; env: string; where: string }> = {
  account: {
    name: "account token",
    env: "POSTMARK_ACCOUNT_TOKEN",
    where: "Postmark > Account > API Tokens (only account owners and admins see it)",
  },
  server: {
    name: "server token",
    env: "POSTMARK_SERVER_TOKEN",
    where: "Postmark > Servers > (your server) > API Tokens",
  },
};

/** Turns a `postmark` client error into a message a marketer can act on. */
export function mapPostmarkError(error: unknown, context: RequestContext): CliError {
  if (error instanceof CliError) return error;
  if (!isClientError(error)) {
    return new CliError("postmark_error", `Could not ${context.action}: ${shown((error as Error)?.message ?? error)}`, { cause: error });
  }
  const status = error.statusCode ?? 0;
  const token = TOKEN_HELP[context.token];
  if (status === 401) {
    return new TokenRejectedError(context.token, `Postmark rejected the ${token.name} while trying to ${context.action}.`, {
      hint:
        `Check ${context.source}: copy the ${token.name} from ${token.where}. An account token and a server token are not ` +
        `interchangeable.`,
      cause: error,
    });
  }
  if (status === 422 && error.code === VERIFICATION_FAILED) return verificationFailed(error, context);
  if (status === 422) {
    return new CliError("postmark_rejected", `Postmark refused to ${context.action}: ${shown(error.message)}`, {
      hint: error.code ? `Postmark error code ${error.code}.` : undefined,
      cause: error,
    });
  }
  if (status === 429) {
    return new CliError("postmark_rate_limited", `Postmark is rate-limiting requests (while trying to ${context.action}).`, {
      hint: "Wait a minute and run the command again.",
      cause: error,
    });
  }
  if (status >= 500) {
    return new CliError("postmark_unavailable", `Postmark answered ${status} while trying to ${context.action}.`, {
      hint: "Postmark may be under maintenance: see https://status.postmarkapp.com and try again shortly.",
      cause: error,
    });
  }
  if (status === 0) {
    const timedOut = /timeout|timed out|aborted/i.test(error.message);
    return new CliError(
      timedOut ? "postmark_timeout" : "postmark_unreachable",
      timedOut
        ? `Postmark did not answer in time at ${context.baseUrl} (while trying to ${context.action}).`
        : `Could not reach Postmark at ${context.baseUrl} (while trying to ${context.action}): ${shown(error.message)}.`,
      { hint: "Check your network connection, proxy and POSTMARK_API_URL, then try again.", cause: error },
    );
  }
  return new CliError("postmark_error", `Postmark answered ${status} while trying to ${context.action}: ${shown(error.message)}`, {
    cause: error,
  });
}

/** A write refused because Customer.io's URL did not answer Postmark's check: which triggers, and what it said. */
function verificationFailed(error: ClientError, context: RequestContext): CliError {
  let url = "";
  let failed = "";
  try {
    const body = JSON.parse(error.answer ?? "") as { Url?: unknown };
    url = typeof body.Url === "string" ? ` to ${shown(body.Url)}` : "";
    failed = failedTriggerWords(triggerChecks(body), shown);
  } catch {
    // The refusal's details are unreadable: its code still says what happened.
  }
  return new CliError(
    "webhook_verification_failed",
    `Postmark could not verify the webhook${url} (while trying to ${context.action}): ` +
      `${failed ? `the URL failed for ${failed}` : shown(error.message)}. Nothing was saved.`,
    {
      hint:
        `Check the region: a US workspace needs ${REGION_WEBHOOK_URLS.us} (--region us), an EU workspace ${REGION_WEBHOOK_URLS.eu} ` +
        `(--region eu), and the Postmark integration must be on in Customer.io. To save the webhook without Postmark's check, run again ` +
        `with --no-verify-webhook (it is saved unverified).`,
      cause: error,
    },
  );
}
