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
  /** Failed because Postmark will not deliver until the webhook (or a trigger) passes verification. */
  unverified?: boolean;
}

/** More than this share of failed deliveries fails the check; fewer warn. */
const FAILED_SHARE_LIMIT = 0.1;

/** What the judgement of a webhook's health reads. */
export interface HealthInput {
  /** The statistics route's answer; undefined where the API has none (the older API). */
  deliveries: WebhookDeliveries | undefined;
  /** The webhook's own `Status`; null where Postmark reports none. */
  webhookStatus: WebhookStatus;
  /** The triggers the webhook should carry, as Postmark names them: only those are judged per trigger. */
  triggers: string[];
}

/**
 * Whether Postmark delivers to Customer.io, the one judgement of it: a webhook Postmark marks
 * unverified, or a trigger it marks unverified (paused), gets no events, so it fails whatever the
 * counts say; then the total's failed share, and each trigger's where Postmark counts them apart.
 */
export function judgeWebhookHealth({ deliveries, webhookStatus, triggers }: HealthInput): DeliveryVerdict | undefined {
  const wanted = (name: string) => triggers.some((trigger) => trigger.toLowerCase() === name.toLowerCase());
  const paused = Object.entries(deliveries?.statuses ?? {})
    .filter(([name, status]) => wanted(name) && status !== "verified")
    .map(([name]) => triggerLabel(name));
  // The whole webhook, where Postmark says so or every trigger it should carry is paused.
  if (webhookStatus === "unverified" || (paused.length > 0 && paused.length >= triggers.length)) {
    return {
      status: "fail",
      unverified: true,
      message: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
    };
  }
  if (paused.length > 0) {
    const one = paused.length === 1;
    const which = one ? `the ${paused[0]} trigger` : `the ${listed(paused)} triggers`;
    const until = one ? "no event for it until it passes" : "no events for them until they pass";
    return {
      status: "fail",
      unverified: true,
      message: `Postmark marks ${which} unverified (paused): it sends Customer.io ${until} verification.`,
    };
  }
  if (!deliveries) return undefined;
  const total = judgeDeliveries(deliveries);
  if (total.status === "fail") return total;
  // A total that looks fine can hide one trigger failing: judged on its own where Postmark counts it apart.
  const failing = Object.entries(deliveries.byTrigger ?? {})
    .filter(([name, counts]) => wanted(name) && counts.failed > counts.total * FAILED_SHARE_LIMIT)
    .map(([name, counts]) => `${triggerLabel(name)}: ${counts.failed} of ${plural(counts.total, "delivery", "deliveries")} failed`);
  if (failing.length > 0) {
    return { status: "fail", message: `Postmark's deliveries to Customer.io in the last 24 hours: ${failing.join("; ")}.` };
  }
  return total;
}

function listed(names: string[]): string {
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The total's verdict: more than a tenth failed fails, some failed warns. */
function judgeDeliveries(deliveries: WebhookDeliveries): DeliveryVerdict {
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
  return { status: "pass", message: `${counted}.` };
}
