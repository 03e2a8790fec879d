import { plural } from "../core/words.js";
import { describeConnection } from "../connections/saved.js";
import type { Runtime } from "../runtime.js";
import { FEW_CONNECTIONS, hasFailure, type ConnectionReport } from "./collect.js";
import { networkLine, networkSeen } from "./network.js";

/** Doctor's report, for people or as the contract's JSON document; it only prints what was collected. */

/** Checks a flag asked for: their verdict is the news of the run, shown whole even when it passes. */
const ASKED_FOR = new Set(["webhook-verify", "smtp-send", "end-to-end"]);

/**
 * The report; `interrupted` names the signal that stops the run after a repair (the checks shown are
 * those before it). As flutter doctor reads: a connection shows its problems and warnings with their
 * fixes, and one line for what passed and was skipped (`--verbose` shows every check); over more than
 * a few connections, one that passes every check is one line. The last line counts across them all
 * and names the one command that repairs what --fix can.
 */
const isNews = (check: { id: string; status: string }) => check.status === "pass" && ASKED_FOR.has(check.id);

export function renderDoctor(
  runtime: Runtime,
  reports: ConnectionReport[],
  { verbose, interrupted }: { verbose: boolean; interrupted?: string },
): void {
  const { output } = runtime;
  const failed = hasFailure(reports);
  const network = networkSeen(runtime, reports);
  if (output.json) {
    output.writeJson({
      ...(interrupted ? { interrupted } : {}),
      ok: !failed,
      network,
      connections: reports.map(({ connection, checks }) => ({
        server: { id: connection.serverId, name: connection.serverName },
        stream: { id: connection.streamId, type: connection.streamType },
        region: connection.region,
        checks: checks.map(({ id, status, message, fix, details }) => ({ id, status, message, fix: fix ?? null, ...details })),
      })),
    });
    return;
  }
  const colour = { pass: output.style.green, warn: output.style.yellow, fail: output.style.red, skip: output.style.dim };
  const lines: string[] = [];
  const counts = { pass: 0, warn: 0, fail: 0, skip: 0 };
  const brief = !verbose && reports.length > FEW_CONNECTIONS;
  let previousBrief = false;
  for (const { connection, checks } of reports) {
    for (const check of checks) counts[check.status] += 1;
    if (brief && checks.every((check) => check.status === "pass" || check.status === "skip")) {
      const passed = checks.filter((check) => check.status === "pass").length;
      if (!previousBrief) lines.push("");
      lines.push(`${colour.pass(output.symbols.pass)} ${describeConnection(connection)} (${connection.region}): ${passed} ok`);
      previousBrief = true;
      continue;
    }
    previousBrief = false;
    lines.push(
      "",
      output.style.bold(
        `${describeConnection(connection)} (${connection.streamType ?? "stream not found"}, region ${connection.region.toUpperCase()})`,
      ),
    );
    const shown = verbose ? checks : checks.filter((check) => check.status === "fail" || check.status === "warn" || isNews(check));
    for (const check of shown) {
      lines.push(`  ${colour[check.status](output.symbols[check.status])} ${check.id}: ${check.message}`);
      if (check.fix && check.status !== "pass") lines.push(`      ${output.style.cyan("fix:")} ${check.fix}`);
    }
    if (!verbose) {
      const passed = checks.filter((check) => check.status === "pass" && !isNews(check)).length;
      const skipped = checks.filter((check) => check.status === "skip").length;
      const others = shown.length > 0 ? plural(passed, "other check") : plural(passed, "check");
      lines.push(`  ${colour.pass(output.symbols.pass)} ${others} passed${skipped ? `, ${skipped} skipped` : ""} (--verbose shows each)`);
    }
  }
  // "All good" is said only when the whole chain was proven: what was not checked is said, with how to check it.
  // Not checked: skipped on every connection (the one email of --end-to-end is judged on one, skipped on the others).
  const skipped = (id: string) => reports.every(({ checks }) => checks.every((check) => check.id !== id || check.status === "skip"));
  const notChecked = [
    ...(skipped("customerio-region") ? ["your Customer.io workspace's region (set CUSTOMERIO_APP_API_KEY)"] : []),
    ...(skipped("end-to-end") ? ["that Customer.io's email comes back as an event"] : []),
  ];
  const verdict = failed
    ? output.style.red("Problems found")
    : notChecked.length > 0
      ? output.style.green("No problems found")
      : output.style.green("All good");
  lines.push(
    "",
    networkLine(network),
    `${verdict}: ${counts.pass} ok, ${plural(counts.warn, "warning")}, ${plural(counts.fail, "problem")}, ${counts.skip} skipped.`,
  );
  if (!failed && notChecked.length > 0) lines.push(`Not checked: ${notChecked.join("; ")}.`);
  if (!failed && skipped("end-to-end"))
    lines.push(
      `To check it, with CUSTOMERIO_APP_API_KEY set and ADDRESS a confirmed sender of yours: ` +
        runtime.command("doctor", "--end-to-end", "--from", "ADDRESS"),
    );
  const repairable = reports.flatMap(({ checks }) => checks.filter((check) => check.status === "fail" && check.repair));
  if (repairable.length > 0) {
    const yes = repairable.some((check) => check.repair?.consent) ? ["--yes"] : [];
    const what = repairable.length === counts.fail ? (counts.fail === 1 ? "it" : "them all") : `${repairable.length} of them`;
    lines.push(`To repair ${what}: ${runtime.command("doctor", "--fix", ...yes)}`);
  }
  output.result(lines.join("\n"));
}
