import { CliError } from "../errors.js";
import type { Runtime } from "../runtime.js";

/**
 * The one consent rule of setup, apply, doctor --fix and remove: a change that needs a yes gets it
 * from --yes or from the person; a run that cannot ask changes nothing and fails with exit 1 and
 * `confirmation_required`, naming the command that says yes. Answers whether the person said yes.
 */
export async function consent(
  runtime: Runtime,
  { yes, what, question, again, answer = true }: { yes: boolean; what: string; question: string; again: string; answer?: boolean },
): Promise<boolean> {
  if (yes) return true;
  if (!runtime.interactive) throw needsYes(what, again);
  return runtime.prompter.confirm(question, answer);
}

/** The refusal of a run that cannot ask: nothing changed, exit 1, and the command that says yes. */
export function needsYes(what: string, again: string): CliError {
  return new CliError("confirmation_required", `${what}, and this run cannot ask first. Nothing was changed.`, {
    hint: `To go ahead: ${again}`,
  });
}
