import { describe, expect, it } from "vitest";
import type { PersonDelivery } from "../../src/customerio/api.js";
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
const delivery = (subject: string, created: number, metrics: Record<string, number>): PersonDelivery => ({
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

  it("lifts only a hard bounce of the recipient's or this account's own suppression", () => {
    expect(canReactivate(suppressed("HardBounce", "Customer"))).toBe(false);
    expect(canReactivate(suppressed("SpamComplaint", "Customer"))).toBe(false);
    expect(canReactivate(suppressed("Unknown", "Customer"))).toBe(false);
  });

  it("none: nothing stops mail, and every finding passes", () => {
    const verdict = judgeRecipient(facts());
    expect(verdict.findings[0]!.message).toBe("Postmark does not suppress jane@example.com on outbound.");
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

  it("matched on what both show: the recipient (or none named), the subject, and the nearest send within 10 minutes", () => {
    const sent = at("2026-12-07T11:00:00Z");
    const judge = (deliveries: ReturnType<typeof delivery>[]) =>
      judgeRecipient(facts({ messages: [message("Receipt", "Delivered")], customerio: { people: 1, deliveries } })).verdict;
    expect(judge([{ ...delivery("Receipt", sent, { sent }), recipient: "someone.else@example.com" }])).toMatch(/^Nothing stops/);
    expect(judge([{ ...delivery("Receipt", sent, { sent }), recipient: null }])).toContain("delivery d-1 (the same email)");
    expect(judge([{ ...delivery("Receipt", sent, { sent }), recipient: "JANE@example.com" }])).toContain("delivery d-1 (the same email)");
    expect(judge([delivery("Receipt", sent + 600, { sent: sent + 600 })])).toContain("(probably the same email)");
    expect(judge([delivery("Receipt", sent - 120, { sent: sent - 120 })])).toContain("(the same email)");
    expect(judge([delivery("Receipt", sent + 121, { sent: sent + 121 })])).toContain("(probably the same email)");
    // The nearer of two is the one named, wherever it is in Customer.io's list.
    expect(
      judge([delivery("Receipt", sent + 400, { sent: sent + 400 }), { ...delivery("Receipt", sent + 30, { sent: sent + 30 }), id: "d-2" }]),
    ).toContain("delivery d-2 (probably the same email)");
    // An event Customer.io has no metric for (a message with no outcome yet, or a Transient) is no mismatch.
    for (const event of [null, "Transient"])
      expect(
        judgeRecipient(
          facts({ messages: [message("Receipt", event)], customerio: { people: 1, deliveries: [delivery("Receipt", sent, { sent })] } }),
        ).verdict,
      ).toMatch(/^Nothing stops/);
  });

  it("kept for 45 days: a delivery created just inside is still matched", () => {
    const created = Math.floor(NOW / 1000) - 45 * 24 * 3600;
    const verdict = judgeRecipient(
      facts({
        messages: [message("Receipt", "Delivered", new Date(created * 1000).toISOString())],
        customerio: { people: 1, deliveries: [delivery("Receipt", created, { sent: created })] },
      }),
    );
    expect(verdict.verdict).toContain("never heard of it");
    expect(verdict.verdict).toContain('Postmark delivered "Receipt" at 2026-12-07 11:00 UTC'); // the event's time, not the send's
  });

  it("heard: the metric is there, and all passes", () => {
    const sent = at("2026-12-07T11:00:00Z");
    const verdict = judgeRecipient(
      facts({
        messages: [message("Receipt", "Delivered")],
        customerio: { people: 1, deliveries: [delivery("Receipt", sent, { sent, delivered: sent + 4 })] },
      }),
    );
    expect(verdict.findings[2]).toEqual({
      id: "customerio",
      status: "pass",
      message: "Customer.io knows jane@example.com and recorded what Postmark did with the email both show.",
      fix: null,
    });
    expect(verdict.verdict).toBe("Nothing stops mail to jane@example.com on outbound.");
  });

  // How Customer.io records Postmark's Bounce is not documented: its bounced metric, or a failure after the sending.
  it.each(["bounced", "failed", "undeliverable"])("a bounce Customer.io records as %s after the sending is heard", (metric) => {
    const sent = at("2026-12-07T11:00:00Z");
    const judge = (metrics: Record<string, number>) =>
      judgeRecipient(
        facts({ messages: [message("Receipt", "Bounced")], customerio: { people: 1, deliveries: [delivery("Receipt", sent, metrics)] } }),
      ).findings[2]!.status;
    expect(judge({ sent, [metric]: sent + 4 })).toBe("pass");
    expect(judge({ sent, [metric]: sent })).toBe("pass");
    // Before the sending it is Customer.io's own (it kept an earlier email back), not Postmark's event; nor is a Delivery a Bounce.
    expect(judge({ sent, [metric]: sent - 1 })).toBe("fail");
    expect(judge({ sent, delivered: sent + 4 })).toBe("fail");
  });

  it("a pass says what it rests on: how many emails both sides show, or that none could be compared", () => {
    const sent = at("2026-12-07T11:00:00Z");
    const customerio = (messages: ReturnType<typeof message>[], deliveries: ReturnType<typeof delivery>[]) =>
      judgeRecipient(facts({ messages, customerio: { people: 1, deliveries } })).findings[2]!.message;
    expect(
      customerio(
        [message("Receipt", "Delivered"), message("Welcome", "Bounced", new Date((sent - 3600) * 1000).toISOString())],
        [delivery("Receipt", sent, { sent, delivered: sent + 4 }), delivery("Welcome", sent - 3600, { sent: sent - 3600, bounced: sent })],
      ),
    ).toBe("Customer.io knows jane@example.com and recorded what Postmark did with the 2 emails both show.");
    const nothingToCompare =
      "Customer.io knows jane@example.com, but no email of the last 45 days shows on both sides with Postmark's event yet: this " +
      "says nothing of the webhook (doctor --end-to-end proves it).";
    // No Postmark message, a message without an event, or a delivery of another subject: nothing was compared.
    expect(customerio([], [delivery("Receipt", sent, { sent, delivered: sent + 4 })])).toBe(nothingToCompare);
    expect(customerio([message("Receipt", null)], [delivery("Receipt", sent, { sent })])).toBe(nothingToCompare);
    expect(customerio([message("Receipt", "Delivered")], [delivery("Another", sent, { sent })])).toBe(nothingToCompare);
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
    expect(verdict.findings[2]!.fix).toBe("Check the server: cio-postmark doctor --server 1 --stream outbound");
    // A send Postmark does have is not one it refused.
    const had = judgeRecipient(
      facts({
        suppression: suppressed("HardBounce", "Recipient"),
        messages: [message("Receipt", "Bounced")],
        customerio: { people: 1, deliveries: [delivery("Receipt", sent + 10, { sent: sent + 10, bounced: sent + 14 })] },
      }),
    );
    expect(had.findings[2]!.status).toBe("pass");
    // Nor is one Customer.io kept back itself (no sent metric): Postmark never saw it to refuse it.
    const keptBack = judgeRecipient(
      facts({
        suppression: suppressed("HardBounce", "Recipient"),
        customerio: { people: 1, deliveries: [delivery("Receipt", sent, { dropped: sent + 1 })] },
      }),
    );
    expect(keptBack.findings[2]!.status).toBe("pass");
  });
});
