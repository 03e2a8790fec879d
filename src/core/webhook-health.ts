import type { TriggerCheck, WebhookDeliveries, WebhookStatus } from "./model.js";
import { TRIGGER_LABELS } from "./webhook-plan.js";
import { plural } from "./words.js";

/**
 * Whether Customer.io really hears from Postmark: the verdicts on Postmark's calls to the webhook's
 * URL (verification) and on its deliveries in the last 24 hours. Pure: words and verdicts only.
 */

/** "Bounce" for Postmark's `Bounce`, "Spam Complaint" for `SpamComplaint`; a name we do not know as Postmark wrote it. */
export function triggerLabel(name: string): string {
  const known = Object.entries(TRIGGER_LABELS).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return known ? known[1] : name;
}

/** The failed calls, each with what the URL answered: `Bounce (404 "Not Found")`. Text from outside passes `show`. */
export function failedTriggerWords(checks: TriggerCheck[], show: (text: string) => string = String): string {
  return checks
    .filter((check) => !check.success)
    .map(
      (check) =>
        `${show(triggerLabel(check.trigger))} ` +
        `(${check.statusCode || "no answer"}${check.message ? ` ${JSON.stringify(show(check.message))}` : ""})`,
    )
    .join(", ");
}

export interface DeliveryVerdict {
  status: "pass" | "warn" | "fail";
  message: string;
}

/** More than this share of failed deliveries fails the check; fewer warn. */
const FAILED_SHARE_LIMIT = 0.1;

export function judgeDeliveries(deliveries: WebhookDeliveries, status: WebhookStatus): DeliveryVerdict {
  const { total, failed, retries } = deliveries;
  const retried = retries > 0 ? ` (${plural(retries, "retry", "retries")})` : "";
  if (failed > total * FAILED_SHARE_LIMIT) {
    return {
      status: "fail",
      message: `${failed} of ${plural(total, "delivery", "deliveries")} to Customer.io failed in the last 24 hours${retried}.`,
    };
  }
  if (failed > 0) {
    return {
      status: "warn",
      message:
        `${failed} of ${plural(total, "delivery", "deliveries")} to Customer.io failed in the last 24 hours${retried}; the rest ` +
        `arrived.`,
    };
  }
  const counted =
    total === 0
      ? "No deliveries in the last 24 hours"
      : `${plural(total, "delivery", "deliveries")} to Customer.io in the last 24 hours, none failed`;
  if (status === "unverified")
    return { status: "warn", message: `${counted}, but Postmark marks the webhook unverified: it has not checked the URL.` };
  return { status: "pass", message: `${counted}.` };
}
