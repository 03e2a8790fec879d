import type { PostmarkSettings } from "../../src/postmark/api.js";
import { parsePostmarkApiUrl } from "../../src/postmark/base-url.js";
import { buildAccount, type AccountSpec } from "../../src/sandbox/account.js";
import { PostmarkSimulator } from "../../src/sandbox/postmark/simulator.js";

/** A simulator for tests that call the API layer directly, and settings that try each request once. */
export async function startApiSimulator(spec: AccountSpec): Promise<{ simulator: PostmarkSimulator; settings: PostmarkSettings }> {
  const simulator = await PostmarkSimulator.start(buildAccount(spec));
  return {
    simulator,
    settings: {
      endpoint: parsePostmarkApiUrl(simulator.url),
      timeoutMs: 5_000,
      retry: { tries: 1, baseDelayMs: 1, maxTotalMs: 1_000 },
      rateLimit: { tries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
  };
}
