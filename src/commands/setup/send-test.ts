import { parseAddress } from "../../core/send-test.js";
import { accountApi } from "../../connections/clients.js";
import { describeSendTest, proveTokenStream, type SendTestResult } from "../../connections/send-test.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Runtime } from "../../runtime.js";
import { type SmtpCredentials } from "../../smtp/verify.js";
import type { GivenInputs } from "./context.js";
import type { Target } from "./target.js";

/** --send-test in setup: whether to send, from which address, and the proof itself. */

/** Whether to send a test message, and from which address: flags, or the person (who is asked, default yes). */
export async function sendTestAddresses(
  runtime: Runtime,
  given: Readonly<GivenInputs>,
  target: Target,
): Promise<{ from: string; to: string } | undefined> {
  const { prompter } = runtime;
  if (
    !given.sendTest &&
    !(runtime.interactive && (await prompter.confirm("Send one test message to prove which stream this SMTP token sends through?", true)))
  ) {
    return undefined;
  }
  // The sitting's last sender is used again for its next stream: the person chose it already.
  const from = given.from ?? given.sitting.senderUsed ?? (await askSender(runtime, target));
  return { from, to: given.to };
}

/** The sender, from the account's confirmed signatures where an account token lists them, else typed. */
export async function askSender(runtime: Runtime, target: Target): Promise<string> {
  const { prompter } = runtime;
  // A signature is offered only if it passes the checks --from gets (one address, no line breaks).
  const confirmed = target.accountToken
    ? (
        await runtime.output.step("Reading your sender signatures", () => accountApi(runtime, target.accountToken!).listSenderSignatures())
      ).filter((signature) => signature.Confirmed && addressValidator(signature.EmailAddress) === true)
    : [];
  const other = "";
  const chosen = confirmed.length
    ? await prompter.select("Send it from:", [
        ...confirmed.map((signature) => ({
          value: signature.EmailAddress,
          name: signature.EmailAddress,
          description: "confirmed sender signature",
        })),
        { value: other, name: "Another address", description: "on a verified domain" },
      ])
    : other;
  return (
    chosen ||
    (await prompter.input("Send it from (a confirmed sender signature or an address on a verified domain):", {
      validate: addressValidator,
    }))
  );
}

export function addressValidator(value: string): true | string {
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
