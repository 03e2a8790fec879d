import { ExitCode } from "../../errors.js";
import { DEFAULT_TEST_RECIPIENT, isBounceTestAddress } from "../../core/send-test.js";
import { proveWholeChain } from "../../connections/end-to-end.js";
import { askUntilAccepted } from "../../connections/customerio-key.js";
import type { ServerApi } from "../../postmark/api.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Runtime } from "../../runtime.js";
import { shown } from "../../ui/terminal-safe.js";
import type { GivenInputs } from "./context.js";
import { addressValidator } from "./send-test.js";

/**
 * The wizard's last offer: once the person has put the key pair into Customer.io, one email sent by
 * Customer.io proves the whole chain (doctor --end-to-end, for the streams of this sitting).
 */
export async function offerWholeChain(
  runtime: Runtime,
  given: Readonly<GivenInputs>,
  sitting: { api: ServerApi; server: Server; streams: MessageStream[] },
): Promise<number> {
  const { output, prompter } = runtime;
  // Through a broadcast stream the test address's bounce never reaches Customer.io: a real mailbox's Delivery does.
  const broadcastOnly = sitting.streams.every((stream) => stream.MessageStreamType === "Broadcasts");
  const later = laterProof(runtime, given, sitting.server, broadcastOnly);
  if (!(await prompter.confirm("Have you added the Access Key and Secret Key in Customer.io (Custom SMTP Settings)?", false))) {
    output.info(`Once they are in, this proves the whole chain through Customer.io${later.words}:\n  ${later.command}`);
    return ExitCode.ok;
  }
  if (!(await prompter.confirm("Prove the whole chain through Customer.io now? It sends one email through Customer.io.", true)))
    return ExitCode.ok;

  const learned = given.sitting;
  const readWorkspace = (key: string) =>
    output.step("Reading your Customer.io workspace", () => runtime.customerio(key).workspace(learned.workspace?.region));
  if (!learned.customerioKey) {
    // A key typed here that Customer.io does not take is asked for again.
    const found = await askUntilAccepted(runtime, "The proof", async (key) => ({ key, workspace: await readWorkspace(key) }));
    learned.keyTyped(found.key);
    learned.workspaceFound(found.workspace);
  }
  if (!learned.workspace) learned.workspaceFound(await readWorkspace(learned.customerioKey!));
  const customerio = runtime.customerio(learned.customerioKey!);
  const workspace = learned.workspace!;
  const from =
    given.from ??
    learned.senderUsed ??
    (await prompter.input("Send it from (a confirmed sender signature or an address on a verified domain):", {
      validate: addressValidator,
    }));
  const to =
    broadcastOnly && isBounceTestAddress(given.to)
      ? await prompter.input(
          "Send it to (a mailbox you can read: a broadcast stream's webhook carries no Bounce event, so Postmark's test address cannot " +
            "prove it):",
          { validate: addressValidator },
        )
      : given.to;
  output.info(
    `The test email is sent to ${shown(to)} with Customer.io's transactional API, which creates (or reuses) a person with ` +
      "that address in your workspace; delete it afterwards under People (search the address, open the person, delete).",
  );
  const streamIds = new Set(sitting.streams.map((stream) => stream.ID.toLowerCase()));
  const connections = (await runtime.store.list()).filter(
    (saved) => saved.serverId === sitting.server.ID && streamIds.has(saved.streamId.toLowerCase()),
  );
  const result = await output.step("Proving the whole chain through Customer.io", async (update) => {
    const outcome = await proveWholeChain(
      runtime,
      {
        customerio,
        workspace,
        api: sitting.api,
        connections,
        from,
        to,
        timeoutMs: runtime.endToEndTimeoutMs,
        pollMs: runtime.sendTest.pollMs,
      },
      update,
    );
    update(`Followed Customer.io's test email ${shown(outcome.deliveryId)} for ${outcome.seconds} s`);
    return outcome;
  });
  if (result.status === "pass") {
    output.success(result.message);
    return ExitCode.ok;
  }
  output.failure(result.message);
  if (result.fix) output.info(`  ${output.style.cyan("fix:")} ${result.fix}`);
  output.info(`The connection is saved. Once fixed, run again${later.words}:\n  ${later.command}`);
  return ExitCode.failure;
}

/**
 * The proof to run later, as it runs: the sender and recipient this sitting knows filled in; where
 * one is not known, a placeholder, said in words before the command.
 */
function laterProof(runtime: Runtime, given: Readonly<GivenInputs>, server: Server, broadcastOnly: boolean) {
  const from = given.from ?? given.sitting.senderUsed;
  const needsMailbox = broadcastOnly && isBounceTestAddress(given.to);
  const to = needsMailbox ? "MAILBOX" : given.to === DEFAULT_TEST_RECIPIENT ? undefined : given.to;
  const placeholders = [
    ...(from ? [] : ["ADDRESS with a confirmed sender of yours"]),
    ...(needsMailbox ? ["MAILBOX with a mailbox you can read: a broadcast stream carries no Bounce event"] : []),
  ];
  return {
    words: placeholders.length ? `. Replace ${placeholders.join(", and ")}` : "",
    command: runtime.command(
      "doctor",
      "--end-to-end",
      "--from",
      from ?? "ADDRESS",
      ...(to ? ["--to", to] : []),
      "--server",
      String(server.ID),
    ),
  };
}
