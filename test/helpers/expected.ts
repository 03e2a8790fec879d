/**
 * What users rely on, written out here as literals: never taken from the code under test, so a
 * typo there makes the tests fail.
 */
export const US_URL = "https://track.customer.io/postmark/events";
export const EU_URL = "https://track-eu.customer.io/postmark/events";

/** A transactional stream's Customer.io webhook: Delivery, Bounce, Spam Complaint, Subscription Change; never Open or Click. */
export const TRANSACTIONAL_TRIGGERS = {
  Open: { Enabled: false, PostFirstOpenOnly: false },
  Click: { Enabled: false },
  Delivery: { Enabled: true },
  Bounce: { Enabled: true, IncludeContent: false },
  SpamComplaint: { Enabled: true, IncludeContent: false },
  SubscriptionChange: { Enabled: true },
};

/** Triggers as a fresh object, for building webhooks in a test's simulator. */
export const transactionalTriggers = () => structuredClone(TRANSACTIONAL_TRIGGERS);

/** doctor's verdicts on a healthy saved outbound connection, without an account token, a Customer.io key or optional flags. */
export const HEALTHY_OUTBOUND_CHECKS = {
  "config-file": "pass",
  "server-token": "pass",
  "server-smtp": "pass",
  stream: "pass",
  "webhook-exists": "pass",
  "webhook-triggers": "pass",
  "webhook-duplicates": "pass",
  "webhook-delivery": "pass",
  "webhook-verify": "skip",
  "smtp-auth": "pass",
  "smtp-send": "skip",
  "smtp-error-hooks": "skip",
  "unsubscribe-handling": "skip",
  "sending-domains": "skip",
  "customerio-region": "skip",
  "end-to-end": "skip",
};
