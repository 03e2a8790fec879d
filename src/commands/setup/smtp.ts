import { CliError } from "../../errors.js";
import { DEFAULT_SMTP_PORT, defaultSmtpHost } from "../../core/inputs.js";
import { type SendTestResult } from "../../connections/send-test.js";
import { POSTMARK_WEB_APP, streamSettingsLink } from "../../postmark/links.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Runtime } from "../../runtime.js";
import { SendRefusedError, STEP_LABELS, verifySmtp, type SmtpCredentials, type SmtpStep } from "../../smtp/verify.js";
import { blockedPort, unprovedWords } from "../../smtp/blocked-port.js";
import type { SavedConnection } from "../../store/config-store.js";
import { required } from "../../ui/prompts.js";
import { shown } from "../../ui/terminal-safe.js";
import type { GivenInputs } from "./context.js";
import type { Target } from "./target.js";
import { smtpDisabledError } from "../../doctor/judge.js";
import { askSender, runSendTest } from "./send-test.js";
import { offerToOpen } from "./open-page.js";

/** setup's SMTP half: the key pair from flags, saved config or the person, its proof, and --send-test. */

export interface SmtpInput {
  host?: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

export async function smtpInputs(
  runtime: Runtime,
  given: Readonly<GivenInputs>,
  previous: SavedConnection | undefined,
  target: Target,
): Promise<SmtpInput> {
  // Known already when chosen from a list: say so before asking for keys that could not be used.
  if (target.server && !target.server.SmtpApiActivated) throw smtpDisabledError(target.server);
  let accessKey = given.accessKey ?? previous?.smtp?.accessKey;
  let secretKey = given.secretKey ?? previous?.smtp?.secretKey;
  if (!given.accessKey && !given.secretKey && accessKey && secretKey) {
    const change = runtime.interactive ? "" : "; change it with --smtp-access-key";
    runtime.output.info(`Using the saved SMTP token (Access Key ${shown(accessKey)}${change}).`);
  }
  if (!accessKey || !secretKey) {
    const { output, prompter } = runtime;
    const link = target.server ? streamSettingsLink(target.server, target.streamId) : undefined;
    output.info();
    output.info(output.style.bold("SMTP token"));
    output.info(`Customer.io sends through Postmark with an SMTP token made for stream "${shown(target.streamId)}":`);
    output.info(`  1. Open ${link ? shown(link) : `the stream "${shown(target.streamId)}" in Postmark`}`);
    output.info('  2. On the Settings tab, click "Generate an SMTP Token".');
    output.info("  3. Copy the Access Key and the Secret Key (Postmark shows the Secret Key only once).");
    if (link) await offerToOpen(runtime, link);
    accessKey ??= await prompter.input("Access Key:", { validate: required("Access Key") });
    secretKey ??= await prompter.password("Secret Key:", { validate: required("Secret Key") });
  }
  runtime.secrets.add(secretKey);
  return {
    host: given.smtpHost ?? previous?.smtp?.host,
    port: given.smtpPort ?? previous?.smtp?.port ?? DEFAULT_SMTP_PORT,
    accessKey,
    secretKey,
  };
}

export function checkSmtp(runtime: Runtime, input: SmtpInput, stream: MessageStream) {
  const credentials: SmtpCredentials = { ...input, host: input.host ?? defaultSmtpHost(stream.MessageStreamType) };
  const steps: SmtpStep[] = [];
  const done = verifySmtp(credentials, { ...runtime.smtp, onStep: (step) => steps.push(step) });
  return done.then(() => ({ credentials, steps }));
}

/**
 * Waits for the SMTP check. A person whose key pair was rejected (a mis-paste is the usual cause)
 * may paste it again; a scripted run fails. A port this network blocks proves nothing either way:
 * the key pair goes on unproved, and the run says so and how to prove it.
 */
export async function provenSmtp(
  runtime: Runtime,
  input: SmtpInput,
  stream: MessageStream,
  check: ReturnType<typeof checkSmtp>,
): Promise<{ credentials: SmtpCredentials; blocked?: CliError }> {
  const { output, prompter } = runtime;
  for (let pending = check; ;) {
    try {
      return await output.step("Checking the SMTP key pair", async (update) => {
        try {
          const { credentials, steps } = await pending;
          update(`SMTP ${shown(credentials.host)}:${credentials.port}: ${steps.map((step) => STEP_LABELS[step]).join(", ")}`);
          return { credentials };
        } catch (error) {
          const blocked = blockedPort(error);
          if (!blocked) throw error;
          // Neither a pass nor a failure: the step ends as a note, and the run's warnings say the rest.
          const credentials = { ...input, host: input.host ?? defaultSmtpHost(stream.MessageStreamType) };
          update(
            `SMTP ${shown(credentials.host)}:${credentials.port}: not reached from this network; the key pair is saved unproved`,
            "note",
          );
          return { credentials, blocked };
        }
      });
    } catch (error) {
      const retryable = error instanceof CliError && error.code === "smtp_auth_rejected" && runtime.interactive;
      if (!retryable) throw error;
      output.failure(error.message);
      if (!(await prompter.confirm("Paste the Access Key and Secret Key again?", true))) throw error;
      input = await askKeyPair(runtime, input, input.accessKey);
      pending = checkSmtp(runtime, input, stream);
      pending.catch(() => undefined); // awaited at the top of the loop
    }
  }
}

async function askKeyPair(runtime: Runtime, input: SmtpInput, defaultAccessKey?: string): Promise<SmtpInput> {
  const accessKey = await runtime.prompter.input("Access Key:", { default: defaultAccessKey, validate: required("Access Key") });
  const secretKey = await runtime.prompter.password("Secret Key:", { validate: required("Secret Key") });
  return { ...input, accessKey, secretKey };
}

const WRONG_STREAM_TRIES = 3;

/**
 * The key pair proven: its handshake and, with --send-test, the stream it really sends through. A
 * person whose token turns out to be another stream's is told so and asked for the pair again
 * (three tries in all); nothing has changed yet. A scripted run fails with send_test_wrong_stream.
 */
export async function provenToken(
  runtime: Runtime,
  proving: { target: Target; stream: MessageStream; server: Server; input: SmtpInput; addresses?: { from: string; to: string } },
  check: ReturnType<typeof checkSmtp>,
): Promise<{ smtp: SmtpCredentials; sendTest: SendTestResult | null; unproved: string[] }> {
  const { target, stream, server } = proving;
  let { input, addresses } = proving;
  for (let attempt = 1; ; attempt++) {
    const { credentials: smtp, blocked } = await provenSmtp(runtime, input, stream, check);
    if (blocked) {
      // Said as a warning: the key pair is saved unproved, with why that need not stop Customer.io and how to prove it.
      return { smtp, sendTest: null, unproved: unprovedWords(blocked, addresses !== undefined) };
    }
    if (!addresses) return { smtp, sendTest: null, unproved: [] };
    try {
      // A sender Postmark took is the one the next try sends from: what the sitting learns stays learned.
      const learned = (from: string) => (addresses = { ...addresses!, from });
      return { smtp, sendTest: await sendUntilSenderTaken(runtime, { target, stream, server }, smtp, addresses, learned), unproved: [] };
    } catch (error) {
      const askAgain =
        error instanceof CliError && error.code === "send_test_wrong_stream" && runtime.interactive && attempt < WRONG_STREAM_TRIES;
      if (!askAgain) throw error;
      runtime.output.failure(error.message);
      runtime.output.info(
        `Generate an SMTP token on stream "${shown(stream.ID)}" (${shown(streamSettingsLink(server, stream.ID))}, "Generate an SMTP ` +
          `Token"), then paste its Access Key and Secret Key (try ${attempt + 1} of ${WRONG_STREAM_TRIES}). Nothing was changed.`,
      );
      input = await askKeyPair(runtime, input);
      check = checkSmtp(runtime, input, stream);
      check.catch(() => undefined); // awaited by provenSmtp at the top of the loop
    }
  }
}

const SENDER_TRIES = 3;

/**
 * The test message, sent again from another address where Postmark refuses the sender (an address
 * that is no confirmed signature and on no verified domain): a slip, asked again in words for a
 * person, three tries in all. A scripted run fails at once.
 */
async function sendUntilSenderTaken(
  runtime: Runtime,
  { target, stream, server }: { target: Target; stream: MessageStream; server: Server },
  smtp: SmtpCredentials,
  addresses: { from: string; to: string },
  learned: (from: string) => void,
): Promise<SendTestResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runSendTest(runtime, target, stream, server, smtp, addresses);
    } catch (error) {
      const senderRefused = error instanceof SendRefusedError && error.at === "MAIL FROM";
      if (!senderRefused || !runtime.interactive || attempt >= SENDER_TRIES) throw error;
      runtime.output.failure(
        `Postmark did not take ${shown(addresses.from)} as the sender: it is not a confirmed sender signature, nor on a verified ` +
          `domain, of this account. Confirm it in Postmark (${SENDER_SIGNATURES_PAGE}), or send from another address ` +
          `(try ${attempt + 1} of ${SENDER_TRIES}).`,
      );
      addresses = { ...addresses, from: await askSender(runtime, target) };
      learned(addresses.from);
    }
  }
}

/** Where a sender signature is confirmed, or a domain verified. */
const SENDER_SIGNATURES_PAGE = `${POSTMARK_WEB_APP}/signature_domains`;
