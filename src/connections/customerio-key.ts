import { usageError } from "../errors.js";
import { CUSTOMERIO_KEY_HELP } from "../customerio/api.js";
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
