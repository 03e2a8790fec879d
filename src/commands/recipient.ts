import { CliError, ExitCode, usageError } from "../errors.js";
import { parseServerRef, parseStreamId } from "../core/inputs.js";
import { parseAddress } from "../core/send-test.js";
import { consent } from "../connections/consent.js";
import { envToken, serverApi, serverTokenFor } from "../connections/clients.js";
import { connectionFlags, registerSavedSecrets, selectConnections } from "../connections/saved.js";
import { readSecretEnv } from "../core/inputs.js";
import { canReactivate, judgeRecipient, type RecipientFacts, type RecipientVerdict } from "../recipient/judge.js";
import { customerioReader, readRecipient } from "../recipient/read.js";
import type { ServerApi } from "../postmark/api.js";
import type { Suppression } from "../core/model.js";
import type { Runtime } from "../runtime.js";
import { shown } from "../ui/terminal-safe.js";
import type { RecipientOptions } from "./recipient-options.js";

/**
 * `recipient ADDRESS`: one address on each saved connection (or those --server/--stream pick, or the
 * stream a token in the environment opens): the verdict first, then what each service recorded.
 * `--reactivate` lifts what Postmark lets this account lift, asking first, and refuses the rest
 * with the reason before any write.
 */

interface Looked {
  server: { id: number; name: string };
  streamId: string;
  streamType: string | null;
  api: ServerApi;
  facts?: RecipientFacts;
  verdict?: RecipientVerdict;
  error?: CliError;
}

interface Target {
  serverId: number;
  serverName: string;
  streamId: string;
  streamType: string | null;
  api: () => Promise<ServerApi>;
}

export async function runRecipient(runtime: Runtime, options: RecipientOptions): Promise<number> {
  const address = parseAddress("ADDRESS", options.args?.[0])!;
  runtime.trace?.conceal(address);
  const serverRef = parseServerRef(options.server);
  const streamId = parseStreamId(options.stream);
  runtime.postmark(); // POSTMARK_API_URL, checked before anything else
  const key = readSecretEnv(runtime.env, "CUSTOMERIO_APP_API_KEY", "Customer.io");
  const customerio = key ? runtime.customerio(key) : undefined;
  const targets = await targetsOf(runtime, serverRef, streamId);
  const record = customerioReader(customerio, address);
  const flags = (target: Target) => connectionFlags({ serverId: target.serverId, streamId: target.streamId });
  const look = (targets: Target[]) =>
    runtime.output.step(`Looking up ${shown(address)} in Postmark${customerio ? " and Customer.io" : ""}`, () =>
      Promise.all(
        targets.map(async (target): Promise<Looked> => {
          const looked: Looked = {
            server: { id: target.serverId, name: target.serverName },
            streamId: target.streamId,
            streamType: target.streamType,
            api: await target.api(),
          };
          try {
            looked.facts = await readRecipient(looked.api, { streamId: target.streamId, address }, record, {
              doctorCommand: runtime.command("doctor", ...flags(target)),
              reactivateCommand: runtime.command("recipient", address, ...flags(target), "--reactivate"),
            });
            looked.verdict = judgeRecipient(looked.facts);
          } catch (error) {
            if (!(error instanceof CliError)) throw error;
            looked.error = error;
          }
          return looked;
        }),
      ),
    );
  let looked = await look(targets);
  if (options.reactivate) {
    const lifted = await reactivate(runtime, address, looked, Boolean(options.yes));
    if (lifted.length > 0) looked = await look(targets);
  }
  const failed = looked.some((entry) => entry.error || entry.verdict!.findings.some((finding) => finding.status === "fail"));
  render(runtime, address, looked, failed);
  return failed ? ExitCode.failure : ExitCode.ok;
}

/** The saved connections asked for; without any, the stream a token in the environment opens (--stream names it). */
async function targetsOf(runtime: Runtime, serverRef: string | undefined, streamId: string | undefined): Promise<Target[]> {
  const saved = await runtime.store.list();
  registerSavedSecrets(runtime, saved);
  if (saved.length > 0 || !envToken(runtime.env, "server")) {
    if (saved.length === 0)
      throw usageError(
        "no_connections",
        `No saved connections in ${runtime.store.path}, and no POSTMARK_SERVER_TOKEN to look with.`,
        "Set POSTMARK_SERVER_TOKEN and name the stream with --stream, or connect one first: " + runtime.command("setup"),
      );
    return selectConnections(runtime, saved, serverRef, streamId).map((connection) => ({
      ...connection,
      api: async () => serverApi(runtime, await serverTokenFor(runtime, connection)),
    }));
  }
  if (!streamId) throw usageError("missing_input", "With no saved connection, name the stream to look at: --stream <id>.");
  const api = serverApi(runtime, envToken(runtime.env, "server")!);
  const [server, stream] = await Promise.all([api.getServer(), api.getStream(streamId)]);
  return [
    { serverId: server.ID, serverName: server.Name, streamId: stream.ID, streamType: stream.MessageStreamType, api: async () => api },
  ];
}

/** Lifts what may be lifted after one yes; refuses the rest, with the reason, before any write. */
async function reactivate(runtime: Runtime, address: string, looked: Looked[], yes: boolean): Promise<Looked[]> {
  const suppressed = looked.filter((entry) => entry.facts?.suppression);
  if (suppressed.length === 0) {
    runtime.output.info(`Nothing to lift: Postmark does not suppress ${shown(address)} on the streams looked at.`);
    return [];
  }
  for (const entry of suppressed.filter((candidate) => !canReactivate(candidate.facts!.suppression!)))
    runtime.output.warn(`Not lifted on ${shown(entry.server.name)} / ${shown(entry.streamId)}: ${refusal(entry.facts!.suppression!)}`);
  const liftable = suppressed.filter((entry) => canReactivate(entry.facts!.suppression!));
  if (liftable.length === 0) return [];
  const where = liftable.map((entry) => `${shown(entry.server.name)} / ${shown(entry.streamId)}`).join(", ");
  const flags = liftable.length === 1 ? connectionFlags({ serverId: liftable[0]!.server.id, streamId: liftable[0]!.streamId }) : [];
  const ok = await consent(runtime, {
    yes,
    what: `Lifting Postmark's suppression of ${address} on ${where}`,
    question: `Lift Postmark's suppression of ${address} on ${where}? A hard bounce lifted will bounce again if the mailbox is still gone.`,
    again: runtime.command("recipient", address, ...flags, "--reactivate", "--yes"),
  });
  if (!ok) throw new CliError("cancelled", "Cancelled: nothing was changed.");
  for (const entry of liftable) {
    const answer = await entry.api.reactivate(entry.streamId, address);
    if (answer.status !== "Deleted")
      throw new CliError(
        "reactivate_refused",
        `Postmark did not lift the suppression on ${entry.streamId}: ${shown(answer.message ?? answer.status)}`,
      );
    runtime.output.success(`Lifted Postmark's suppression of ${shown(address)} on ${shown(entry.server.name)} / ${shown(entry.streamId)}.`);
  }
  return liftable;
}

function refusal({ SuppressionReason: reason, Origin: origin }: Suppression): string {
  if (reason === "SpamComplaint") return "they marked a message as spam; Postmark never lets that be lifted, and it is their wish.";
  if (origin === "Recipient") return "they unsubscribed through Postmark's own link; that is their wish, and only they can undo it.";
  return "Postmark itself suppressed the address; ask Postmark support.";
}

function render(runtime: Runtime, address: string, looked: Looked[], failed: boolean): void {
  const { output } = runtime;
  if (output.json) {
    output.writeJson({
      ok: !failed,
      recipient: address,
      connections: looked.map((entry) => ({
        server: entry.server,
        stream: entry.streamId,
        verdict: entry.verdict?.verdict ?? entry.error!.message,
        suppression: entry.verdict?.suppression ?? null,
        messages: (entry.facts?.messages ?? []).map(({ messageId, subject, sentAt, event }) => ({ messageId, subject, sentAt, event })),
        customerio: entry.facts?.customerio
          ? {
              deliveries: entry.facts.customerio.deliveries.map(({ id, subject, created, metrics }) => ({ id, subject, created, metrics })),
            }
          : null,
        findings: entry.verdict?.findings ?? [
          { id: "read", status: "fail", message: entry.error!.message, fix: entry.error!.hint ?? null },
        ],
      })),
    });
    return;
  }
  const colour = { pass: output.style.green, warn: output.style.yellow, fail: output.style.red };
  const lines: string[] = [];
  for (const entry of looked) {
    lines.push(
      "",
      output.style.bold(
        `${shown(address)} on ${shown(entry.server.name)} / ${shown(entry.streamId)}${entry.streamType ? ` (${entry.streamType})` : ""}`,
      ),
    );
    if (entry.error) {
      lines.push(`  ${colour.fail(output.symbols.fail)} ${entry.error.message}`);
      if (entry.error.hint) lines.push(`      ${output.style.cyan("fix:")} ${entry.error.hint}`);
      continue;
    }
    // The verdict first, with its fix; then what else each service recorded.
    const { verdict, findings } = entry.verdict!;
    const lead = findings.find((finding) => finding.status === "fail" && finding.message === verdict);
    lines.push(`  ${shown(verdict)}`);
    if (lead?.fix) lines.push(`      ${output.style.cyan("fix:")} ${shown(lead.fix)}`);
    for (const finding of findings) {
      if (finding === lead) continue;
      lines.push(`  ${colour[finding.status](output.symbols[finding.status])} ${finding.id}: ${shown(finding.message)}`);
      if (finding.fix && finding.status !== "pass") lines.push(`      ${output.style.cyan("fix:")} ${shown(finding.fix)}`);
    }
  }
  output.result(lines.join("\n"));
}
