import { REGION_SIGN_IN } from "../../core/regions.js";
import type { Runtime } from "../../runtime.js";
import { clipboardTools, copyToClipboard } from "../../ui/clipboard.js";
import { mask } from "../../ui/redact.js";
import { shown } from "../../ui/terminal-safe.js";
import { offerToOpen } from "./open-page.js";
import { usesPostmarkUnsubscribe } from "../../core/connection-plan.js";
import { unsubscribeHandlingRequest } from "../../connections/support-request.js";
import { secretWhere, type SetupResult } from "./report.js";

/**
 * The sitting's hand-off to Customer.io: Postmark shows a Secret Key once, and with two streams the
 * first one's block has scrolled away. One recap block per connected stream (what goes where in
 * Customer.io's Custom SMTP form), each value copied to the clipboard on request, and Customer.io's
 * sign-in page for the region offered as Postmark's pages are.
 */

export const CUSTOM_SMTP_PATH = "Settings > Workspace Settings > Email > Custom SMTP Settings > Add Custom SMTP Server > Postmark";

export async function handOff(runtime: Runtime, results: SetupResult[]): Promise<void> {
  // The request to Postmark support, ready in the person's mail app: the one step no API can do.
  for (const result of results.filter((each) => usesPostmarkUnsubscribe(each.stream)))
    await offerToOpen(
      runtime,
      unsubscribeHandlingRequest(result.server, result.stream).mailto,
      "Write that request to Postmark support now?",
    );
  const connected = results.filter((result) => result.smtp);
  if (connected.length === 0) return;
  const { output, prompter } = runtime;
  // Once for the sitting, however many streams: the form's path, each stream's values, and what is not proved yet.
  const lines = [
    "",
    output.style.bold(`Now in Customer.io: ${CUSTOM_SMTP_PATH} > Continue to set up, one custom SMTP server per stream.`),
    "Set up webhooks is done already; in Add Credentials enter, then Finish set up:",
  ];
  for (const result of connected) lines.push(...recapBlock(runtime, result));
  const unproved = connected.filter((result) => !result.sendTest).map((result) => `"${shown(result.stream.ID)}"`);
  lines.push(
    "",
    `Not proved yet: that Customer.io's email comes back from Postmark as an event` +
      (unproved.length === 0
        ? "."
        : unproved.length === 1
          ? `, and which stream the SMTP token of ${unproved[0]} sends through (no test message was sent).`
          : `, and which streams the SMTP tokens of ${unproved.join(" and ")} send through (no test message was sent).`),
  );
  output.result(lines.join("\n"));
  if (await prompter.confirm("Copy the Access Key and Secret Key to the clipboard, one at a time, for Customer.io's form?", false)) {
    await copyLoop(runtime, connected);
  }
  await offerToOpen(
    runtime,
    REGION_SIGN_IN[connected[0]!.region],
    `Open Customer.io (${REGION_SIGN_IN[connected[0]!.region]}) in your browser?`,
  );
}

/** One stream's values for the form; the Secret Key masked, with the command that shows it again where it was saved. */
export function recapBlock(runtime: Runtime, result: SetupResult): string[] {
  const smtp = result.smtp!;
  return [
    `${shown(result.server.Name)} / ${shown(result.stream.ID)} (${result.stream.MessageStreamType})`,
    `  Access Key   ${shown(smtp.accessKey)}`,
    `  Secret Key   ${mask(smtp.secretKey)}`,
    `  ${secretWhere(runtime, result)}`,
    `  Server       ${shown(smtp.host)}, port ${smtp.port} (STARTTLS; if Customer.io refuses that port, use 2525)`,
  ];
}

/** Each value the person picks goes to the clipboard, until they say they have them all. */
async function copyLoop(runtime: Runtime, connected: SetupResult[]): Promise<void> {
  const { output, prompter, platform, env } = runtime;
  const tools = clipboardTools(platform.os, env, platform.desktop);
  const several = connected.length > 1;
  const choices = connected.flatMap((result) => {
    const of = several ? ` of ${shown(result.stream.ID)}` : "";
    return [
      { name: `Access Key${of}`, value: { what: `the Access Key${of}`, value: result.smtp!.accessKey, result } },
      { name: `Secret Key${of}`, value: { what: `the Secret Key${of}`, value: result.smtp!.secretKey, result } },
    ];
  });
  const done = { name: "Done: I have them", value: undefined };
  for (;;) {
    const picked = await prompter.select("Copy which value?", [...choices, done]);
    if (!picked) return;
    const how = await copyToClipboard(picked.value, tools, env, (sequence) => output.terminalClipboard(sequence));
    if (!how) {
      const where = picked.what.startsWith("the Secret Key") ? secretWhere(runtime, picked.result) : "It is shown above.";
      output.warn(`Nothing was copied: this run's output goes to a file or a pipe, and no key is written there. ${where}`);
      continue;
    }
    output.success(
      how === "OSC 52"
        ? `Sent ${picked.what} to your terminal's clipboard (OSC 52; a terminal that does not take it leaves the clipboard as it was).`
        : `Copied ${picked.what} to the clipboard (${how}).`,
    );
  }
}
