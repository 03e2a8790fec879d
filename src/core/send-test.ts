import { usageError } from "../errors.js";
import type { StreamType } from "./model.js";

/**
 * --send-test: one real message through the SMTP token, then found again with Postmark's Messages
 * API, to prove which stream the token sends through. The pure parts: the message and the verdict.
 */

/** Postmark's black-hole test domain: its addresses bounce, and cost no reputation. */
const BOUNCE_TEST_DOMAIN = "bounce-testing.postmarkapp.com";
/** Postmark's soft-bounce test address: it produces a Bounce event. */
export const DEFAULT_TEST_RECIPIENT = `softbounce@${BOUNCE_TEST_DOMAIN}`;

/** Whether mail to the address bounces by design (and so reaches a broadcast stream's webhook not at all). */
export const isBounceTestAddress = (address: string) => address.toLowerCase().endsWith(`@${BOUNCE_TEST_DOMAIN}`);
const TEST_TAG = "cio-postmark-test";
/** Sent as the header X-PM-Metadata-cio-postmark-test; searched as metadata_cio-postmark-test. */
const TEST_METADATA_KEY = "cio-postmark-test";
/** Where Postmark puts its own unsubscribe link in broadcast mail. */
const UNSUBSCRIBE_PLACEHOLDER = "{{{ pm:unsubscribe }}}";

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export function parseAddress(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const address = value.trim();
  if (!ADDRESS.test(address))
    throw usageError(
      "invalid_address",
      `${flag} is not an email address: ${JSON.stringify(value)}.`,
      `For example ${flag} alerts@example.com.`,
    );
  return address;
}

export interface SendTestAddresses {
  from: string;
  to: string;
}

/** --from and --to as given, each checked; --to is Postmark's bounce test address unless named. */
export const givenAddresses = (options: { from?: string; to?: string }) => ({
  from: parseAddress("--from", options.from),
  to: parseAddress("--to", options.to) ?? DEFAULT_TEST_RECIPIENT,
});

/** --send-test's addresses, or none without it; --from is required with it, since no run can guess a sender. */
export function sendTestAddresses(options: { sendTest?: boolean; from?: string; to?: string }): SendTestAddresses | undefined {
  const { from, to } = givenAddresses(options);
  if (!options.sendTest) return undefined;
  if (!from)
    throw usageError(
      "missing_input",
      "--send-test needs --from <address>: a confirmed sender signature or an address on a verified domain.",
    );
  return { from, to };
}

export interface TestMessageInput {
  from: string;
  to: string;
  id: string;
  streamId: string;
  streamType: StreamType;
}

/** The message: a unique id in Postmark metadata and a tag to find it by, and an unsubscribe link where broadcast mail needs one. */
export function testMessage({ from, to, id, streamId, streamType }: TestMessageInput) {
  const purpose =
    `This message was sent by cio-postmark to prove which Postmark message stream an SMTP token sends through (expected: ` +
    `"${streamId}").`;
  const broadcast = streamType === "Broadcasts";
  return {
    from,
    to,
    subject: `cio-postmark stream test ${id}`,
    text: [purpose, `Test id: ${id}`, ...(broadcast ? [`Unsubscribe: ${UNSUBSCRIBE_PLACEHOLDER}`] : [])].join("\n\n"),
    html: [
      `<p>${escapeHtml(purpose)}</p>`,
      `<p>Test id: ${id}</p>`,
      ...(broadcast ? [`<p><a href="${UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a></p>`] : []),
    ].join(""),
    headers: { "X-PM-Tag": TEST_TAG, [`X-PM-Metadata-${TEST_METADATA_KEY}`]: id },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Whether a listed message is this run's own: its subject carries the run's id (a fresh UUID), and
 * its metadata, where the listing shows it, the same id. Judged by the marker, never by time: a
 * search that ignores its filters lists older test messages first, and Postmark's clock and ours
 * may disagree by minutes.
 */
export function isOwnTestMessage(message: { Subject?: string; Metadata?: Record<string, string> }, id: string): boolean {
  const metadata = message.Metadata?.[TEST_METADATA_KEY];
  return (message.Subject ?? "").includes(id) && (metadata === undefined || metadata === id);
}

/** How the Messages API is asked for the test message. */
export function searchFilters(id: string, to: string): Record<string, string> {
  return { recipient: to, tag: TEST_TAG, [`metadata_${TEST_METADATA_KEY}`]: id };
}

/** The first event a found message has had: what this stream's webhook forwards to Customer.io. */
export function firstEvent(events: Array<{ Type: string; ReceivedAt?: string }> | undefined): string | undefined {
  if (!events?.length) return undefined;
  return [...events].sort((a, b) => (a.ReceivedAt ?? "").localeCompare(b.ReceivedAt ?? ""))[0]!.Type;
}
