import { REGION_WEBHOOK_URLS, signInHost, type Region } from "../../core/regions.js";
import type { Runtime } from "../../runtime.js";
import type { Workspace } from "../../customerio/api.js";
import { askUntilAccepted, assertRegionMatchesKey } from "../../connections/customerio-key.js";
import { shown } from "../../ui/terminal-safe.js";
import type { Sitting } from "./sitting.js";

/** What the region steps read of setup's inputs. */
interface RegionInputs {
  region?: Region;
  sitting: Sitting;
}

/** The Customer.io region: from an App API key (one read per host), or a person's answer. */

/**
 * With a Customer.io App API key, the workspace's region is known, not asked: one read on the US
 * host, then on the EU one. A --region that disagrees is a mistake caught before anything changes.
 */
export async function workspaceFromKey(runtime: Runtime, given: RegionInputs): Promise<Workspace | undefined> {
  const key = given.sitting.customerioKey;
  if (!key) return undefined;
  const workspace = await runtime.output.step("Finding your Customer.io workspace's region from the App API key", async (update) => {
    const found = await runtime.customerio(key).workspace(given.region);
    update(`Customer.io workspace ${shown(found.name)} is in region ${found.region.toUpperCase()} (from the App API key).`);
    return found;
  });
  assertRegionMatchesKey(given.region, workspace);
  given.sitting.workspaceFound(workspace);
  return workspace;
}

export async function promptRegion(runtime: Runtime, given: RegionInputs): Promise<Region> {
  runtime.output.info(`An EU account signs in at ${signInHost("eu")}, a US account at ${signInHost("us")}.`);
  const answer = await runtime.prompter.select("Which Customer.io region is your account in?", [
    { value: "us" as const, name: "US", description: `${signInHost("us")}; webhook ${REGION_WEBHOOK_URLS.us}` },
    { value: "eu" as const, name: "EU", description: `${signInHost("eu")}; webhook ${REGION_WEBHOOK_URLS.eu}` },
    {
      value: "key" as const,
      name: "Not sure: find it from a Customer.io App API key",
      description: "Account Settings > API Credentials > App API Keys; the key is never saved",
    },
  ]);
  if (answer !== "key") return answer;
  const workspace = await askUntilAccepted(runtime, "Finding the region", (key) => {
    given.sitting.keyTyped(key);
    return workspaceFromKey(runtime, given);
  });
  return workspace!.region;
}
