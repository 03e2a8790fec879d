import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip, warn } from "../judge.js";
import { need, isResult } from "../verdicts.js";

/** Why an unverified domain matters, in a marketer's words. */
const UNVERIFIED_WHY = " Until they are verified, mail Customer.io sends from them is likelier to land in spam.";

export const sendingDomainsCheck: DoctorCheck = {
  id: "sending-domains",
  async run(facts) {
    const request = facts.domains();
    if (!request) return skip("Skipped: set POSTMARK_ACCOUNT_TOKEN to check the sending domains' DKIM and Return-Path.");
    const domains = await need(request, "the sending domains", warn);
    if (isResult(domains)) return domains;
    // SPFVerified is deprecated by Postmark: never judged.
    const problems = domains.flatMap((domain) => [
      ...(domain.DKIMVerified ? [] : [`${shown(domain.Name)}: DKIM not verified`]),
      ...(domain.ReturnPathDomainVerified ? [] : [`${shown(domain.Name)}: Return-Path not verified`]),
    ]);
    if (problems.length)
      return warn(
        `${problems.join("; ")}.${UNVERIFIED_WHY}`,
        "Postmark > Sender Signatures > (domain) > DNS Settings: add the records shown, then click Verify.",
      );
    return pass(
      domains.length === 0
        ? "No sending domains on the account."
        : `${domains.length === 1 ? "The sending domain has" : `All ${domains.length} sending domains have`} DKIM and Return-Path ` +
            `verified.`,
    );
  },
};
