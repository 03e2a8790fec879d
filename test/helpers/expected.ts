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
