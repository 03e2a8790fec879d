import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runBinary } from "../helpers/run-binary.js";
import { savedConnection } from "../helpers/saved.js";

/** 0.1 kept its config in `cio-postmark-nodejs`; 0.2 moves it to `cio-postmark` once, losing nothing. */

const CONFIG = JSON.stringify({
  schemaVersion: 1,
  connections: {
    "1001:outbound": savedConnection({ smtp: null, serverToken: undefined }),
  },
});

/** A home folder with a 0.1 config in it (Linux paths: $XDG_CONFIG_HOME/cio-postmark-nodejs). */
function homeWithLegacyConfig() {
  const home = mkdtempSync(join(tmpdir(), "cio-home-"));
  const config = join(home, ".config");
  const legacy = join(config, "cio-postmark-nodejs");
  mkdirSync(legacy, { recursive: true, mode: 0o700 });
  writeFileSync(join(legacy, "config.json"), CONFIG, { mode: 0o600 });
  return { env: { HOME: home, XDG_CONFIG_HOME: config }, legacy, moved: join(config, "cio-postmark") };
}

describe("the 0.1 config folder", () => {
  it("is found and moved by the next run: status lists it, folder 0700, file 0600", async () => {
    const { env, legacy, moved } = homeWithLegacyConfig();
    const run = await runBinary(["status", "--json"], env);
    expect(run.status).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status.configFile).toBe(join(moved, "config.json"));
    expect(status.connections.map((c: { server: { name: string } }) => c.server.name)).toEqual(["Acme Production"]);
    expect(existsSync(legacy)).toBe(false);
    expect(statSync(moved).mode & 0o777).toBe(0o700);
    expect(statSync(join(moved, "config.json")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(moved, "config.json"), "utf8")).toBe(CONFIG);
    // Moved once: a second run finds it where it now is.
    expect((await runBinary(["status", "--json"], env)).status).toBe(0);
  });

  it("a kill at any moment of the move loses nothing: the config is whole in one of the two places", { timeout: 60_000 }, async () => {
    for (let round = 0; round < 20; round++) {
      const { env, legacy, moved } = homeWithLegacyConfig();
      const child = spawn(process.execPath, [BIN, "status"], { env: { PATH: process.env.PATH, ...env }, stdio: "ignore" });
      const exited = new Promise((resolve) => child.on("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 150));
      child.kill("SIGKILL");
      await exited;
      const places = [legacy, moved].filter((dir) => existsSync(join(dir, "config.json")));
      expect(places).toHaveLength(1);
      expect(readFileSync(join(places[0]!, "config.json"), "utf8")).toBe(CONFIG);
    }
  });
});
