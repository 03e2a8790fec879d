import { CliError, ExitCode, usageError } from "../../errors.js";
import { errorHooksTurner } from "../../connections/apply-plan.js";
import { consent } from "../../connections/consent.js";
import { smtpFromEnv } from "../../core/connections-file.js";
import { plural } from "../../core/words.js";
import { sendTestAddresses, type SendTestAddresses } from "../../core/send-test.js";
import { fileCommand, fileTokens, readConnectionsFile, resolveServers, type ConnectionsFile } from "../../connections/file.js";
import { criticalSection } from "../../interrupt.js";
import { recordDone } from "../../journal.js";
import type { Runtime } from "../../runtime.js";
import type { SavedConnection } from "../../store/config-store.js";
import { applyEntry, changesPostmark, passes, planEntry } from "./connection.js";
import { renderApply } from "./render.js";
import type { ApplyOptions } from "./options.js";

/**
 * `apply`: every connection the file names, planned as setup plans it, shown as one table, applied
 * after one confirmation (or --yes). A connection that fails is reported and the others go on.
 * `--check` stops after the plan, having written nothing anywhere.
 */
export async function runApply(runtime: Runtime, options: ApplyOptions): Promise<number> {
  runtime.postmark(); // POSTMARK_API_URL, checked before anything else
  const file = readConnectionsFile(runtime, options.file);
  // A verdict's fixes name what repairs the file's connections: the file applied, as doctor --file says.
  runtime = { ...runtime, command: fileCommand(runtime.command, file, runtime.interactive) };
  const check = Boolean(options.check);
  if (check && options.sendTest)
    throw usageError("send_test_check", "--check changes and sends nothing, but --send-test sends a real message.", "Drop one of the two.");
  const sendTo = sendTestAddresses(options);
  fileTokens(runtime, file.connections);
  // Every variable the file names is read before any request: --check proves no SMTP pair, so needs none.
  if (!check) assertSmtpVariables(file, runtime.env);
  const run = {
    file,
    check,
    verify: options.verifyWebhook !== false,
    yes: Boolean(options.yes),
    given: options.file !== undefined,
    sendTo,
  };
  if (check) return applyFile(runtime, run);
  return runtime.withLock("apply", () => applyFile(runtime, run));
}

interface ApplyRun {
  file: ConnectionsFile;
  check: boolean;
  verify: boolean;
  yes: boolean;
  /** Whether --file was given: the commands printed then name it too. */
  given: boolean;
  /** --send-test's addresses: each named SMTP pair sends one message, before any change. */
  sendTo?: SendTestAddresses;
}

async function applyFile(runtime: Runtime, run: ApplyRun): Promise<number> {
  const { output } = runtime;
  const { connections } = run.file;
  const resolved = await output.step(`Finding the servers of ${plural(connections.length, "connection")} in Postmark`, () =>
    resolveServers(runtime, connections),
  );
  const planned = await eachWithProgress(runtime, "Planning", resolved, (entry) => planEntry(runtime, entry, run));
  const again = (...args: string[]) => runtime.command("apply", ...(run.given ? ["--file", run.file.name] : []), ...args);
  if (run.check) {
    renderApply(runtime, planned, { check: true, again });
    return planned.every((entry) => passes(entry, true)) ? ExitCode.ok : ExitCode.failure;
  }
  renderApply(runtime, planned, { check: false, again, planOnly: true });
  await confirm(runtime, planned.filter(changesPostmark).length, run, again);

  // Saves one at a time: each reads the config file and writes it back whole.
  let saving = Promise.resolve();
  const save = (connection: SavedConnection) => (saving = saving.then(() => runtime.store.save(connection)));
  const errorHooks = errorHooksTurner(runtime);
  const applied = await criticalSection(
    () =>
      eachWithProgress(runtime, "Applying", planned, async (entry) => {
        const done = await applyEntry(runtime, entry, { verify: run.verify, again: again("--yes"), errorHooks }, save);
        if ((done.applied || done.errorHooksTurnedOn) && !done.error) recordDone(`${done.connection.place} applied`);
        return done;
      }),
    (done, signal) => renderApply(runtime, done, { check: false, again, interrupted: signal }),
  );
  renderApply(runtime, applied, { check: false, again });
  return applied.every((entry) => passes(entry, false)) ? ExitCode.ok : ExitCode.failure;
}

/** One yes for the whole plan: from --yes, or from the person; a script without --yes changes nothing. */
async function confirm(runtime: Runtime, changing: number, run: ApplyRun, again: (...args: string[]) => string): Promise<void> {
  if (changing === 0) return;
  const what = `The plan changes ${plural(changing, "connection")} in Postmark`;
  if (!(await consent(runtime, { yes: run.yes, what, question: `${what}. Apply it?`, again: again("--yes") })))
    throw new CliError("cancelled", "Cancelled: nothing was changed.");
}

/** The file's SMTP variables, all set and shaped like keys, or every one that is not named at once. */
function assertSmtpVariables(file: ConnectionsFile, env: NodeJS.ProcessEnv): void {
  const problems = file.connections.flatMap((connection) =>
    connection.smtp ? smtpFromEnv({ ...connection, smtp: connection.smtp }, env).problems : [],
  );
  if (problems.length === 0) return;
  throw usageError(
    "missing_input",
    `${file.name} names SMTP keys this run does not have:\n  ${problems.join("\n  ")}`,
    "Set them from your CI's secret store (or run with --check, which proves no SMTP key).",
  );
}

/** Every entry at once (the process's cap on requests in flight sets the pace), counted as they finish, each kept in the file's order. */
async function eachWithProgress<T, R extends { error?: unknown }>(
  runtime: Runtime,
  verb: string,
  items: T[],
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const total = plural(items.length, "connection");
  const done = verb === "Planning" ? "Planned" : "Applied";
  return runtime.output.counting(
    (count) => `${verb} ${count} of ${total}`,
    (entries) => {
      const failed = entries.filter((entry) => entry.error).length;
      return { text: failed ? `${done} ${entries.length - failed} of ${total}; ${failed} failed` : `${done} ${total}`, failed: failed > 0 };
    },
    (tick) => Promise.all(items.map((item) => work(item).finally(tick))),
  );
}
