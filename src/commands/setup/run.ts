import { CliError, ExitCode } from "../../errors.js";
import { recordPickUp } from "../../journal.js";
import { signInHost, type Region } from "../../core/regions.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Runtime } from "../../runtime.js";
import { isConnectionOf, sameStreamId } from "../../core/matching.js";
import type { SavedConnection } from "../../store/config-store.js";
import { POSTMARK_WEB_APP } from "../../postmark/links.js";
import { shown } from "../../ui/terminal-safe.js";
import { findSavedConnection, type GivenInputs, type SetupContext } from "./context.js";
import { renderSetupResult, type SetupResult } from "./report.js";
import { offerWholeChain } from "./whole-chain.js";
import { handOff } from "./hand-off.js";
import { smtpInputs } from "./smtp.js";
import { chooseTarget, explainRejectedToken, pickStream, usableStreams, type Target } from "./target.js";
import { promptRegion } from "./region.js";
import { readPlanApply } from "./plan-apply.js";
import { sendTestAddresses } from "./send-test.js";
import { resolveSetupContext } from "./context.js";
import type { SetupOptions } from "./options.js";

/**
 * setup, in the contract's order: resolve inputs, read Postmark, verify SMTP (and with
 * --send-test prove its stream), show the plan and confirm, change the webhooks, save. Anything
 * failing before the change leaves Postmark and the saved config as they were.
 */
export async function runSetup(runtime: Runtime, options: SetupOptions): Promise<number> {
  const context = await resolveSetupContext(runtime, options, () => showOpening(runtime));
  const sitting: SittingState = { ...context, results: [], exitCode: ExitCode.ok };
  try {
    for (const step of SITTING) if ((await step(runtime, sitting)) === "stop") break;
    return sitting.exitCode;
  } catch (error) {
    throw withPickUp(runtime, context.given.sitting, await explainRejectedToken(runtime, error, context.given));
  }
}

/** The sitting as its steps go: the context, then what each step adds. */
interface SittingState extends SetupContext {
  target?: Target;
  results: SetupResult[];
  exitCode: number;
}

/** One step of the sitting: it reads what the steps before it added, and may end the sitting. */
type Step = (runtime: Runtime, sitting: SittingState) => Promise<"stop" | void>;

/** The sitting's steps, in order, over one context (create-astro's shape). */
const SITTING: Step[] = [findTarget, connectStreams, stopUnlessConnectedInWizard, handOffKeys, offerProof];

async function findTarget(runtime: Runtime, sitting: SittingState): Promise<void> {
  sitting.target = await chooseTarget(runtime, sitting.given, sitting.saved);
}

/** A webhook Postmark sends nothing to is no connection: the run fails, and no proof is offered that could not pass. */
async function stopUnlessConnectedInWizard(runtime: Runtime, sitting: SittingState): Promise<"stop" | void> {
  if (sitting.results.some((result) => result.problems.length > 0)) sitting.exitCode = ExitCode.failure;
  const { dryRun, skipSmtp } = sitting.given;
  if (sitting.exitCode !== ExitCode.ok || !runtime.interactive || dryRun || skipSmtp) return "stop";
}

/** What goes where in Customer.io, each value copied on request, and its sign-in page offered. */
async function handOffKeys(runtime: Runtime, sitting: SittingState): Promise<void> {
  await handOff(runtime, sitting.results);
}

async function offerProof(runtime: Runtime, sitting: SittingState): Promise<void> {
  const { given, target, results } = sitting;
  const streams = results.map((result) => result.stream);
  sitting.exitCode = await offerWholeChain(runtime, given, { api: target!.api, server: results[0]!.server, streams });
}

/**
 * A sitting that ends after saving a connection says what it saved and how to pick up where it
 * stopped: setup on that server again, which never offers a stream connected before.
 */
function withPickUp(runtime: Runtime, sitting: GivenInputs["sitting"], error: unknown): unknown {
  const saved = sitting.connectionsSaved;
  if (!(error instanceof CliError) || saved.length === 0 || !runtime.interactive) return error;
  // Ctrl-C's one line (the journal's) says what was saved and how to pick up already.
  if (error.exitCode === ExitCode.interrupted) return error;
  const again = `To pick up where it stopped: ${pickUpCommand(runtime, saved[0]!.serverId)}`;
  const names = saved.map((connection) => `${shown(connection.serverName)} / ${shown(connection.streamId)}`).join(", ");
  const pickUp = `Saved before this stopped: ${names}. ${again}`;
  return new CliError(error.code, error.message, {
    exitCode: error.exitCode,
    hint: error.hint ? `${error.hint}\n${pickUp}` : pickUp,
    cause: error,
  });
}

/** setup on the same server again: it never offers a stream connected before, so it goes on from there. */
const pickUpCommand = (runtime: Runtime, serverId: number) => runtime.command("setup", "--server", String(serverId));

/** What the wizard does and what to have ready, before its first question. */
function showOpening(runtime: Runtime): void {
  const { output } = runtime;
  const bullet = output.symbols.bullet;
  output.info(output.style.bold("cio-postmark connects a Postmark stream to Customer.io: webhook, SMTP token, saved connection."));
  output.info("Have ready:");
  output.info(`  ${bullet} a Postmark account token (Account > API Tokens: ${POSTMARK_WEB_APP}/api_tokens)`);
  output.info(`    or a server token (Servers > your server > API Tokens: ${POSTMARK_WEB_APP}/servers)`);
  output.info(`  ${bullet} a minute to generate an SMTP token on the stream's Settings tab in Postmark`);
  output.info(`  ${bullet} your Customer.io region: US (you sign in at ${signInHost("us")}) or EU (${signInHost("eu")})`);
}

/** The chosen stream, then (in the wizard) the server's other streams the person takes up. */
async function connectStreams(runtime: Runtime, sitting: SittingState): Promise<void> {
  const { given, saved, target } = sitting;
  const first = await connect(runtime, given, saved, target!);
  sitting.results = await connectOtherStreams(runtime, given, target!, first);
}

/** One connection: the region and SMTP token it needs, then the locked read, plan, apply and save. */
async function connect(
  runtime: Runtime,
  given: Readonly<GivenInputs>,
  saved: SavedConnection[],
  target: Target,
  region?: Region,
): Promise<SetupResult> {
  const previous = findSavedConnection(saved, { ...given, streamId: target.streamId }, target.server);
  if (!region && !given.region && previous)
    // The wizard's own sentences name no flag; a script's output says which flag changes it.
    runtime.output.info(
      `Using the saved region ${previous.region.toUpperCase()}${runtime.interactive ? "" : " (change it with --region)"}.`,
    );
  const chosenRegion = region ?? given.region ?? previous?.region ?? (await promptRegion(runtime, given));
  const smtpInput = given.skipSmtp ? undefined : await smtpInputs(runtime, given, previous, target);
  // A dry run sends nothing: it does not offer the test message either.
  const sendTest = smtpInput && !given.dryRun ? await sendTestAddresses(runtime, given, target) : undefined;

  const work = () => readPlanApply(runtime, given, { ...target, region: chosenRegion, smtpInput, sendTest, previous });
  const result = await (given.dryRun ? work() : runtime.withLock("setup", work));
  // The sender Postmark took is remembered: the next stream and the wizard's last offer send from it too.
  if (result.sendTest) given.sitting.testMessageSent(result.sendTest.from);
  if (!result.dryRun) {
    given.sitting.connectionSaved({ serverId: result.server.ID, serverName: result.server.Name, streamId: result.stream.ID });
    if (runtime.interactive) recordPickUp(pickUpCommand(runtime, result.server.ID));
  }
  return result;
}

/**
 * Customer.io takes one custom SMTP server per stream; "one for transactional, one for broadcast" is
 * the usual pair. After each connection the wizard offers the server's next usable stream, by name,
 * never one connected in this sitting; the result says "run setup again" only where no offer follows.
 */
async function connectOtherStreams(
  runtime: Runtime,
  given: Readonly<GivenInputs>,
  target: Target,
  first: SetupResult,
): Promise<SetupResult[]> {
  const { server, region } = first;
  const results = [first];
  const connected = [first.stream];
  for (let latest = first; ;) {
    // Never offered: a stream of this sitting, or one connected before (a re-run repairs it when named).
    const saved = await runtime.store.list();
    const isDone = (id: string) =>
      connected.some((done) => sameStreamId(done.ID, id)) || saved.some((connection) => isConnectionOf(connection, server.ID, id));
    const listed = runtime.interactive && !given.dryRun ? usableStreams(await target.api.listStreams()) : [];
    const others = listed.filter((stream) => !isDone(stream.ID));
    // "Sending broadcasts too?" only where it is news: no offer follows, and no broadcast stream of this server is connected.
    const broadcastConnected =
      connected.some((stream) => stream.MessageStreamType === "Broadcasts") ||
      saved.some((connection) => connection.serverId === server.ID && connection.streamType === "Broadcasts");
    renderSetupResult(runtime, latest, {
      suggestBroadcast: others.length === 0 && !broadcastConnected,
      handOffFollows: runtime.interactive && !given.dryRun && !given.skipSmtp && latest.problems.length === 0,
    });
    if (others.length === 0) {
      if (connected.length > 1) runtime.output.success(allConnected(server, connected));
      return results;
    }
    const [only] = others;
    const offer =
      others.length === 1
        ? `Connect stream "${shown(only!.ID)}" (${only!.MessageStreamType}) of ${shown(server.Name)} too?`
        : `Connect another stream of ${shown(server.Name)} too (${others.map((stream) => `"${shown(stream.ID)}"`).join(", ")})?`;
    if (!(await runtime.prompter.confirm(offer, false))) return results;
    const stream =
      others.length === 1
        ? only!
        : (await pickStream(runtime, target.api, server, listed.map((stream) => stream.ID).filter(isDone))).stream;
    const next = { ...target, server, stream, streamId: stream.ID, serverRef: undefined };
    latest = await connect(
      runtime,
      { ...given, streamId: stream.ID, accessKey: undefined, secretKey: undefined },
      await runtime.store.list(),
      next,
      region,
    );
    connected.push(stream);
    results.push(latest);
  }
}

function allConnected(server: Server, streams: MessageStream[]): string {
  const names = streams.map((stream) => `"${shown(stream.ID)}"`);
  const list = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `${streams.length === 2 ? "Both streams" : `All ${streams.length} streams`} of ${shown(server.Name)} are connected: ${list}.`;
}
