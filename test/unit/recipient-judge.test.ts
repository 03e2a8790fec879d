import { describe, expect, it } from "vitest";
import { canReactivate, judgeRecipient, type RecipientFacts } from "../../src/recipient/judge.js";

/** The recipient verdict from facts alone: what each suppression means, how deliveries are matched, what is never a mismatch. */

const NOW = Date.parse("2026-12-07T12:00:00Z");
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const facts = (more: Partial<RecipientFacts> = {}): RecipientFacts => ({
  address: "jane@example.com",
  streamId: "outbound",
  suppression: null,
  messages: [],
  customerio: null,
  now: NOW,
  doctorCommand: "cio-postmark doctor --server 1 --stream outbound",
  reactivateCommand: "cio-postmark recipient jane@example.com --server 1 --stream outbound --reactivate",
  ...more,
});
const suppressed = (SuppressionReason: string, Origin: string) => ({
  EmailAddress: "jane@example.com",
  SuppressionReason,
  Origin,
  CreatedAt: "2026-11-30T09:15:00-05:00",
});
const message = (subject: string, event: string | null, sentAt = "2026-12-07T11:00:00.000Z") => ({
  messageId: "m-1",
  subject,
  sentAt,
  event,
  eventAt: event ? "2026-12-07T11:00:04.000Z" : null,
});
const delivery = (subject: string, created: number, metrics: Record<string, number>) => ({
  id: "d-1",
  subject,
  recipient: "jane@example.com",
  created,
  metrics,
});

describe("suppressions", () => {
  it.each([
    ["HardBounce", "Recipient", true, /since 2026-11-30: a message to it hard-bounced/, /--reactivate/],
    ["ManualSuppression", "Customer", true, /someone on this account suppressed the address/, /--reactivate/],
    [
      "ManualSuppression",
      "Recipient",
      false,
      /they unsubscribed through Postmark's own link\. That is their wish/,
      /mark them unsubscribed/,
    ],
    [
      "SpamComplaint",
      "Recipient",
      false,
      /they marked a message as spam\. That is their wish; .* no one can lift it/,
      /mark them unsubscribed/,
    ],
    ["ManualSuppression", "Admin", false, /Postmark itself suppressed the address \(origin Admin\)/, /Ask Postmark support/],
  ])("%s by %s: may be lifted %s, said in words, the fix fits", (reason, origin, liftable, said, fix) => {
    const verdict = judgeRecipient(facts({ suppression: suppressed(reason, origin) }));
    expect(verdict.suppression).toEqual({ reason, origin, since: "2026-11-30T14:15:00.000Z", canReactivate: liftable });
    expect(canReactivate(suppressed(reason, origin))).toBe(liftable);
    expect(verdict.verdict).toMatch(/^Postmark suppresses jane@example\.com on outbound since 2026-11-30: /);
    expect(verdict.verdict).toMatch(said);
    expect(verdict.findings[0]).toMatchObject({ id: "suppression", status: "fail" });
    expect(verdict.findings[0]!.fix).toMatch(fix);
    if (!liftable) expect(verdict.findings[0]!.fix).not.toMatch(/--reactivate/);
  });

  it("none: nothing stops mail, and every finding passes", () => {
    const verdict = judgeRecipient(facts());
    expect(verdict).toMatchObject({ verdict: "Nothing stops mail to jane@example.com on outbound.", suppression: null });
    expect(verdict.findings.map((finding) => [finding.id, finding.status, finding.fix])).toEqual([
      ["suppression", "pass", null],
      ["messages", "pass", null],
    ]);
    expect(verdict.findings[1]!.message).toBe(
      "Postmark has no message to jane@example.com on outbound in the last 45 days (its retention by default; older messages are gone " +
        "from Postmark, not lost).",
    );
  });
});

describe("Postmark's messages and Customer.io's deliveries", () => {
  it("each message with its outcome, newest first, and 'no event yet' where Postmark has none", () => {
    const verdict = judgeRecipient(
      facts({ messages: [message("Receipt", "Delivered"), message("Hello", null, "2026-12-06T08:30:00.000Z")] }),
    );
    expect(verdict.findings[1]!.message).toBe(
      'Postmark\'s last messages to jane@example.com on outbound: "Receipt" at 2026-12-07 11:00 UTC: Delivered; "Hello" at ' +
        "2026-12-06 08:30 UTC: no event yet.",
    );
  });

  it.each([
    ["Delivered", "delivered", "Delivery"],
    ["Bounced", "bounced", "Bounce"],
  ])("%s in Postmark, no %s metric in Customer.io: the webhook is named, with doctor's command", (event, _metric, trigger) => {
    const sent = at("2026-12-07T11:00:30Z");
    const verdict = judgeRecipient(
      facts({ messages: [message("Receipt", event)], customerio: { people: 1, deliveries: [delivery("Receipt", sent - 2, { sent })] } }),
    );
    expect(verdict.verdict).toBe(
      `Postmark ${event.toLowerCase()} "Receipt" at 2026-12-07 11:00 UTC; Customer.io's delivery d-1 (the same email) never heard of it: ` +
        `the webhook is not passing ${trigger} events.`,
    );
    expect(verdict.findings[2]).toMatchObject({
      id: "customerio",
      status: "fail",
      fix: "Check the webhook: cio-postmark doctor --server 1 --stream outbound",
    });
  });

  it("heard: the metric is there, and all passes", () => {
    const sent = at("2026-12-07T11:00:00Z");
    const verdict = judgeRecipient(
      facts({
        messages: [message("Receipt", "Delivered")],
        customerio: { people: 1, deliveries: [delivery("Receipt", sent, { sent, delivered: sent + 4 })] },
      }),
    );
    expect(verdict.findings[2]).toMatchObject({ status: "pass" });
    expect(verdict.verdict).toBe("Nothing stops mail to jane@example.com on outbound.");
  });

  it("a match that is not certain (minutes apart, or two candidates) is said as 'probably'", () => {
    const sent = at("2026-12-07T11:00:00Z");
    const apart = judgeRecipient(
      facts({
        messages: [message("Receipt", "Delivered")],
        customerio: { people: 1, deliveries: [delivery("Receipt", sent + 300, { sent: sent + 300 })] },
      }),
    );
    expect(apart.verdict).toContain("(probably the same email)");
    const two = judgeRecipient(
      facts({
        messages: [message("Receipt", "Delivered")],
        customerio: {
          people: 1,
          deliveries: [delivery("Receipt", sent, { sent }), { ...delivery("Receipt", sent + 60, { sent: sent + 60 }), id: "d-2" }],
        },
      }),
    );
    expect(two.verdict).toContain("Customer.io's delivery d-1 (probably the same email)");
  });

  it("never a mismatch: another subject, more than 10 minutes apart, not sent yet, or older than Postmark keeps", () => {
    const sent = at("2026-12-07T11:00:00Z");
    for (const deliveries of [
      [delivery("Another", sent, { sent })],
      [delivery("Receipt", sent + 601, { sent: sent + 601 })],
      [delivery("Receipt", sent, {})],
      [delivery("Receipt", at("2026-10-01T11:00:00Z"), { sent })],
    ]) {
      const verdict = judgeRecipient(facts({ messages: [message("Receipt", "Delivered")], customerio: { people: 1, deliveries } }));
      expect(verdict.findings[2]!.status).toBe("pass");
    }
  });

  it("nobody in Customer.io with the address: a warning, not a failure", () => {
    const verdict = judgeRecipient(facts({ customerio: { people: 0, deliveries: [] } }));
    expect(verdict.findings[2]).toMatchObject({ id: "customerio", status: "warn" });
    expect(verdict.findings[2]!.message).toBe(
      "Customer.io has no person with the email jane@example.com (it may know them by another address).",
    );
  });

  it("suppressed, and Customer.io shows a send Postmark never had: Postmark refused it, said with the server switch", () => {
    const sent = at("2026-12-07T11:00:00Z");
    const verdict = judgeRecipient(
      facts({
        suppression: suppressed("HardBounce", "Recipient"),
        customerio: { people: 1, deliveries: [delivery("Receipt", sent, { sent })] },
      }),
    );
    expect(verdict.findings[2]).toMatchObject({ id: "customerio", status: "warn" });
    expect(verdict.findings[2]!.message).toMatch(/^Customer\.io shows "Receipt" as sent \(d-1\), but Postmark has no such message: /);
    expect(verdict.findings[2]!.message).toContain("SMTP API error webhooks");
  });
});
