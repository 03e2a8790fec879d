import { CliError } from "../errors.js";
import { DEFAULT_SMTP_PORT, defaultSmtpHost } from "../core/inputs.js";
import { parseAddress } from "../core/send-test.js";
import { accountApi } from "../connections/clients.js";
import { describeSendTest, proveTokenStream, type SendTestResult } from "../connections/send-test.js";
import { serverLabel, serverSettingsLink, streamSettingsLink } from "../postmark/links.js";
import type { MessageStream, Server } from "../postmark/types.js";
import type { Runtime } from "../runtime.js";
import { STEP_LABELS, verifySmtp, type SmtpCredentials, type SmtpStep } from "../smtp/verify.js";
import type { SavedConnection } from "../store/config-store.js";
import { required } from "../ui/prompts.js";
import { shown } from "../ui/terminal-safe.js";
import type { GivenInputs } from "./setup-inputs.js";
import type { Target } from "./setup-target.js";

/** setup's SMTP half: the key pair from flags, saved config or the person, its proof, and --send-test. */

export interface SmtpInput {
  host?: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

export async function smtpInputs(runtime: Runtime, given: GivenInputs, previous: SavedConnection | undefined, target: Target): Promise<SmtpInput> {
  // Known already when chosen from a list: say so before asking for keys that could not be used.
  if (target.server) assertSmtpEnabled(target.server);
  let accessKey = given.accessKey ?? previous?.smtp?.accessKey;
  let secretKey = given.secretKey ?? previous?.smtp?.secretKey;
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

/** In a desktop session, the page opens in the browser on a yes; over SSH or headless, the link printed above is all. */
async function offerToOpen(runtime: Runtime, link: string): Promise<void> {
  if (!runtime.platform.desktop || !(link.startsWith("https://") && (await runtime.prompter.confirm("Open that page in your browser?", true)))) return;
  try {
    const { default: open } = await import("open");
    await open(link);
  } catch {
    runtime.output.warn("Could not open a browser: open the link above by hand.");
  }
}

export function checkSmtp(runtime: Runtime, input: SmtpInput, stream: MessageStream) {
  const credentials: SmtpCredentials = { ...input, host: input.host ?? defaultSmtpHost(stream.MessageStreamType) };
  const steps: SmtpStep[] = [];
  const done = verifySmtp(credentials, { route: runtime.smtpRoute, timeoutMs: runtime.smtpTimeoutMs, trace: runtime.trace, onStep: (step) => steps.push(step) });
  return done.then(() => ({ credentials, steps }));
}

/**
 * Waits for the SMTP check. A person whose key pair was rejected (a mis-paste is the usual cause)
 * may paste it again; a scripted run fails.
 */
export async function provenSmtp(runtime: Runtime, input: SmtpInput, stream: MessageStream, check: ReturnType<typeof checkSmtp>): Promise<SmtpCredentials> {
  const { output, prompter } = runtime;
  for (let pending = check; ; ) {
    try {
      return await output.step("Checking the SMTP key pair", async (update) => {
        const { credentials, steps } = await pending;
        update(`SMTP ${shown(credentials.host)}:${credentials.port}: ${steps.map((step) => STEP_LABELS[step]).join(", ")}`);
        return credentials;
      });
    } catch (error) {
      const retryable = error instanceof CliError && error.code === "smtp_auth_rejected" && prompter.interactive;
      if (!retryable) throw error;
      output.failure(error.message);
      if (!(await prompter.confirm("Paste the Access Key and Secret Key again?", true))) throw error;
      const accessKey = await prompter.input("Access Key:", { default: input.accessKey, validate: required("Access Key") });
      const secretKey = await prompter.password("Secret Key:", { validate: required("Secret Key") });
      input = { ...input, accessKey, secretKey };
      pending = checkSmtp(runtime, input, stream);
      pending.catch(() => undefined); // awaited at the top of the loop
    }
  }
}

/** Whether to send a test message, and from which address: flags, or the person (who is asked, default yes). */
export async function sendTestAddresses(runtime: Runtime, given: GivenInputs, target: Target): Promise<{ from: string; to: string } | undefined> {
  const { prompter } = runtime;
  if (!given.sendTest && !(prompter.interactive && (await prompter.confirm("Send one test message to prove which stream this SMTP token sends through?", true)))) {
    return undefined;
  }
  if (given.from) return { from: given.from, to: given.to };
  const confirmed = target.accountToken
    ? (await runtime.output.step("Reading your sender signatures", () => accountApi(runtime, target.accountToken!).listSenderSignatures())).filter((signature) => signature.Confirmed)
    : [];
  const other = "";
  const chosen = confirmed.length
    ? await prompter.select("Send it from:", [
        ...confirmed.map((signature) => ({ value: signature.EmailAddress, name: signature.EmailAddress, description: "confirmed sender signature" })),
        { value: other, name: "Another address", description: "on a verified domain" },
      ])
    : other;
  const from = chosen || (await prompter.input("Send it from (a confirmed sender signature or an address on a verified domain):", { validate: addressValidator }));
  return { from, to: given.to };
}

function addressValidator(value: string): true | string {
  try {
    parseAddress("--from", value);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Sends the test message and waits for Postmark to show where it went, with the time spent on the spinner. */
export async function runSendTest(
  runtime: Runtime,
  target: Target,
  stream: MessageStream,
  server: Server,
  credentials: SmtpCredentials,
  addresses: { from: string; to: string },
): Promise<SendTestResult> {
  return runtime.output.step("Sending a test message", async (update) => {
    const proving = { api: target.api, credentials, serverName: server.Name, streamId: stream.ID, streamType: stream.MessageStreamType };
    const result = await proveTokenStream(runtime, proving, addresses, update);
    update(describeSendTest(result));
    return result;
  });
}

export function assertSmtpEnabled(server: Server): void {
  if (server.SmtpApiActivated) return;
  throw new CliError("smtp_disabled", `SMTP is not enabled on server ${serverLabel(server)}, so Customer.io could not send through it.`, {
    hint: `Turn it on in Postmark: ${shown(serverSettingsLink(server))} (Settings > SMTP), then run setup again. Nothing was changed.`,
  });
}
