import { afterEach, describe, expect, it } from "vitest";
import { verificationWorld } from "../../helpers/verification.js";
import { US_URL } from "../../helpers/expected.js";

/** doctor --fix and Postmark's verification of the webhook (the current API): verified, refused, or not asked. */

const verification = verificationWorld();
const { start, setup, doctor, check, writesOf, refuse } = verification;
afterEach(() => verification.world.close());

describe("doctor --fix and verification", () => {
  it("doctor --fix verifies an unverified webhook with one call, and a setup re-run does too", async () => {
    await start();
    expect((await setup("--no-verify-webhook")).code).toBe(1);
    const id = verification.world.simulator.state.webhooks[0]!.ID;
    const before = writesOf().length;
    const fixed = await doctor("--fix");
    expect(fixed.code).toBe(0);
    expect(
      writesOf()
        .slice(before)
        .map((request) => `${request.method} ${request.path}`),
    ).toEqual([`POST /webhooks/${id}/verify`]);
    expect(verification.world.simulator.state.webhooks[0]!.Status).toBe("verified");

    verification.world.simulator.state.webhooks[0]!.Status = "unverified";
    const rerun = await setup();
    expect(rerun.code).toBe(0);
    expect(rerun.json()).toMatchObject({ ok: true, webhook: { id, action: "unchanged", status: "verified" } });
    expect(rerun.json().warnings).toEqual([]);
    expect(
      writesOf()
        .slice(-1)
        .map((request) => `${request.method} ${request.path}`),
    ).toEqual([`POST /webhooks/${id}/verify`]);
  });

  it("doctor --fix on an unverified webhook whose URL still fails says which trigger failed, and keeps it unverified", async () => {
    await start();
    refuse(["Bounce"], 404, "Not Found");
    expect((await setup("--no-verify-webhook")).code).toBe(1);
    const id = verification.world.simulator.state.webhooks[0]!.ID;
    const fixed = await verification.world.run(["doctor", "--no-input", "--fix"], { env: {} });
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toContain(
      `Postmark could not verify webhook ${id}: Customer.io's URL failed its call for Bounce (404 "Not Found").`,
    );
    expect(verification.world.simulator.state.webhooks[0]!.Status).toBe("unverified");
    expect(writesOf().slice(-1)[0]).toMatchObject({ method: "POST", path: `/webhooks/${id}/verify` });
    const rerun = await setup();
    expect(rerun.code).toBe(1);
    expect(rerun.json().webhook).toMatchObject({ id, status: "unverified" });
  });

  it("doctor --fix --no-verify-webhook repairs what verification would refuse, and says the webhook still gets nothing", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    verification.world.simulator.state.webhooks[0]!.Url = "http://track.customer.io/postmark/events";
    refuse(["Bounce"]);
    const fix = await doctor("--fix", "--yes", "--no-verify-webhook");
    expect(fix.code).toBe(1);
    const [put] = writesOf().filter((request) => request.method === "PUT");
    expect(put!.query.verify).toBe("false");
    expect(put!.body).toMatchObject({ Verify: false });
    expect(verification.world.simulator.state.webhooks[0]).toMatchObject({ Url: US_URL, Status: "unverified" });
    expect(check(fix.json(), "webhook-triggers").status).toBe("pass");
    expect(check(fix.json(), "webhook-delivery")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("doctor --verify-webhook"),
    });
  });
});
