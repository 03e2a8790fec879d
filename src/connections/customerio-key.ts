import { CliError, usageError } from "../errors.js";
import { CUSTOMERIO_KEY_HELP, type Workspace } from "../customerio/api.js";
import { REGION_WEBHOOK_URLS, type Region } from "../core/regions.js";
import { shown } from "../ui/terminal-safe.js";
import type { Runtime } from "../runtime.js";
import { required } from "../ui/prompts.js";

/** CUSTOMERIO_APP_API_KEY was not set: a masked prompt where one is allowed, else the missing input named. */
export async function askCustomerIoKey(runtime: Runtime, wantedFor: string): Promise<string> {
  if (!runtime.interactive) {
    throw usageError(
      "missing_input",
      `${wantedFor} needs a Customer.io App API key: set CUSTOMERIO_APP_API_KEY (env).`,
      CUSTOMERIO_KEY_HELP,
    );
  }
  runtime.output.info(
    "A Customer.io App API key: Account Settings > API Credentials > App API Keys. It is used for this run only, never saved.",
  );
  return runtime.prompter.password("Customer.io App API key:", { validate: required("App API key") });
}

/**
 * A region asked for (setup's --region, doctor --fix --region) against the key's workspace: the one
 * judgement of it, before anything changes. A webhook to the other region's URL would never be matched.
 */
export function assertRegionMatchesKey(asked: Region | undefined, workspace: Workspace): void {
  if (asked === undefined || asked === workspace.region) return;
  throw usageError(
    "region_mismatch",
    `--region ${asked} disagrees with the App API key: Customer.io workspace ${shown(workspace.name)} is in region ` +
      `${workspace.region.toUpperCase()}. The webhook would have pointed at ${REGION_WEBHOOK_URLS[asked]}, where Customer.io ` +
      `would never match its events.`,
    `Drop --region (the key decides it), or use --region ${workspace.region}. Nothing was changed.`,
  );
}

const KEY_TRIES = 3;

/**
 * A key a person pastes, and what it is for (`use`, which reads Customer.io with it): a key neither
 * region's host takes is asked for again, three tries in all, as Postmark tokens are. A slip never
 * ends the sitting; a scripted run (no prompt) fails at once, as before.
 */
export async function askUntilAccepted<T>(runtime: Runtime, wantedFor: string, use: (key: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const key = await askCustomerIoKey(runtime, wantedFor);
    try {
      return await use(key);
    } catch (error) {
      const rejected = error instanceof CliError && error.code === "customerio_unauthorized";
      if (!rejected || attempt >= KEY_TRIES) throw error;
      runtime.output.failure(
        `Customer.io took that App API key on neither region's host. Paste it again (try ${attempt + 1} of ${KEY_TRIES}), or press ` +
          `Ctrl-C to stop.`,
      );
    }
  }
}
