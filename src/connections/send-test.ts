import { randomUUID } from "node:crypto";
import { CliError } from "../errors.js";
import { firstEvent, isBounceTestAddress, isOwnTestMessage, searchFilters, testMessage } from "../core/send-test.js";
import type { SendTestAddresses } from "../core/send-test.js";
import type { ServerApi } from "../postmark/api.js";
import type { OutboundMessage, StreamType } from "../core/model.js";
import type { Runtime } from "../runtime.js";
import { sendSmtpMessage, type SmtpCredentials } from "../smtp/verify.js";
import { regionOfUrl } from "../core/regions.js";
import { shown } from "../ui/terminal-safe.js";
import { recordTestMessage } from "../journal.js";

/**
 * --send-test, shared by setup and doctor: one message through the SMTP token, then Postmark's
 * Messages API says which stream it went through and what first happened to it. The proof is what
 * Postmark recorded, never what the token was meant for.
 */

export interface SendTestTarget {
  api: ServerApi;
  credentials: SmtpCredentials;
  serverName: string;
  streamId: string;
  streamType: StreamType;
}

/** setup's and doctor's JSON `sendTest`. */
export interface SendTestResult extends SendTestAddresses {
  messageId: string;
  stream: string;
  firstEvent: string | null;
  seconds: number;
}

export async function proveTokenStream(
  runtime: Runtime,
  target: SendTestTarget,
  addresses: SendTestAddresses,
  onProgress: (text: string) => void = () => {},
): Promise<SendTestResult> {
  const { api, credentials, streamId } = target;
  const id = randomUUID();
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const deadline = started + runtime.sendTest.timeoutMs;

  onProgress(`Sending a test message to ${addresses.to} through ${credentials.host}:${credentials.port}`);
  await sendSmtpMessage(credentials, testMessage({ ...addresses, id, streamId, streamType: target.streamType }), runtime.smtp);
  recordTestMessage(addresses.to);

  let found: OutboundMessage | undefined;
  let details: OutboundMessage | undefined;
  for (;;) {
    onProgress(
      `${found ? "Waiting for the test message's first event" : "Looking for the test message in Postmark"} (${Math.floor(seconds())} s)`,
    );
    // One page a poll; only a message with this run's own marker proves anything.
    if (!found)
      found = (await api.searchOutboundMessages(searchFilters(id, addresses.to))).find((message) => isOwnTestMessage(message, id));
    if (found) {
      if (found.MessageStream.toLowerCase() !== streamId.toLowerCase()) throw await wrongStream(target, found.MessageStream);
      details = (await api.getOutboundMessageDetails(found.MessageID)) ?? details;
      if (firstEvent(details?.MessageEvents)) break;
    }
    if (Date.now() + runtime.sendTest.pollMs > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, runtime.sendTest.pollMs));
  }
  if (!found) throw notFound(target, Math.round(runtime.sendTest.timeoutMs / 1000));
  return {
    ...addresses,
    messageId: found.MessageID,
    stream: found.MessageStream,
    firstEvent: firstEvent(details?.MessageEvents) ?? null,
    seconds: seconds(),
  };
}

/** One line for people: where the message went and what first happened to it. */
export function describeSendTest(result: SendTestResult): string {
  // A bounce is what Postmark's test address is for: said as the good news it is.
  const testBounce = result.firstEvent === "Bounced" && isBounceTestAddress(result.to);
  const event = testBounce
    ? ", and Postmark's bounce test address bounced it, as it is made to"
    : result.firstEvent
      ? `; first event: ${shown(result.firstEvent)}`
      : "; no event yet";
  return `The test message ${shown(result.messageId)} went through stream "${shown(result.stream)}"${event} (${result.seconds} s)`;
}

/** Why the other stream is the wrong one, said as it is now: it may have a Customer.io webhook already (connected a moment ago). */
async function wrongStream(target: SendTestTarget, actual: string): Promise<CliError> {
  const hooks = await target.api.listWebhooks(actual).catch(() => undefined);
  const connected = hooks?.some((hook) => regionOfUrl(hook.Url) !== undefined);
  const why =
    connected === undefined
      ? `Customer.io would send this stream's mail through stream "${shown(actual)}" instead.`
      : connected
        ? `Customer.io would send this stream's mail through stream "${shown(actual)}" instead, mixing the two streams' events.`
        : `Customer.io would send through a stream with no Customer.io webhook.`;
  return new CliError(
    "send_test_wrong_stream",
    `The test message went through stream "${shown(actual)}" of server ${shown(target.serverName)}, not "${shown(target.streamId)}": ` +
      `this SMTP token belongs to stream "${shown(actual)}". ${why}`,
    {
      hint:
        `Generate an SMTP token on stream "${shown(target.streamId)}" (its Settings tab in Postmark, "Generate an SMTP Token"), and ` +
        `run again with that Access Key and Secret Key. Nothing was changed.`,
    },
  );
}

function notFound(target: SendTestTarget, waitedSeconds: number): CliError {
  return new CliError(
    "send_test_not_found",
    `The test message was not found on server ${shown(target.serverName)} within ${waitedSeconds} s.`,
    {
      hint:
        "The SMTP token may belong to another Postmark server: generate one on this server's stream and run again. If Postmark is " +
        "slow today, run again later.",
    },
  );
}
