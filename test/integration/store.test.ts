import { isMainThread } from "node:worker_threads";
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigStore, type SavedConnection } from "../../src/store/config-store.js";

const connection = (serverId: number, streamId: string): SavedConnection => ({
  serverId,
  serverName: `Server ${serverId}`,
  streamId,
  streamName: streamId,
  streamType: "Transactional",
  region: "us",
  webhookId: 1,
  webhookUrl: "https://track.customer.io/postmark/events",
  smtp: { host: "smtp.postmarkapp.com", port: 587, accessKey: "ak", secretKey: "sk-secret-value-1234" },
  serverToken: "server-token-secret-value",
  verifiedAt: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
});

let root: string;
let savedUmask: number;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cio-store-"));
  savedUmask = process.umask();
});
afterEach(() => {
  if (isMainThread) process.umask(savedUmask);
});

describe("config store", () => {
  // Worker threads may not change the umask: Stryker runs the suite in threads, CI in forks.
  it.skipIf(!isMainThread)("writes the file 0600 in a folder 0700 even under umask 000", async () => {
    process.umask(0o000);
    const dir = join(root, "nested", "config");
    const store = new ConfigStore(dir);
    await store.save(connection(1, "outbound"));
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("keeps both of two connections saved one after the other", async () => {
    const dir = join(root, "config");
    await new ConfigStore(dir).save(connection(1, "outbound"));
    await new ConfigStore(dir).save(connection(2, "broadcast"));
    const saved = await new ConfigStore(dir).list();
    expect(saved.map((c) => `${c.serverId}:${c.streamId}`).sort()).toEqual(["1:outbound", "2:broadcast"]);
    const document = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(document.schemaVersion).toBe(1);
  });

  it("replaces a connection saved again, and removes only the one named", async () => {
    const store = new ConfigStore(join(root, "config"));
    await store.save(connection(1, "outbound"));
    await store.save(connection(1, "broadcast"));
    await store.save({ ...connection(1, "outbound"), region: "eu" });
    expect((await store.list()).find((c) => c.streamId === "outbound")?.region).toBe("eu");
    expect(await store.remove(1, "outbound")).toBe(true);
    expect((await store.list()).map((c) => c.streamId)).toEqual(["broadcast"]);
  });

  it("reports a damaged file with its path, never quoting it, and leaves it as it is", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "config.json");
    const damaged = '{"schemaVersion": 1, "connections": {"x": {"serverToken": "leaky-secret-token-123"';
    writeFileSync(path, damaged, { mode: 0o600 });
    const store = new ConfigStore(dir);
    const error = await store.save(connection(1, "outbound")).then(() => undefined, (e) => e);
    expect(error).toMatchObject({ code: "config_damaged", exitCode: 1 });
    expect(error.message).toContain(path);
    expect(error.message).not.toContain("leaky-secret-token-123");
    expect(error.hint).toContain(".bak");
    expect(readFileSync(path, "utf8")).toBe(damaged);
  });

  it("refuses a file from a newer schema and leaves it as it is", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "config.json");
    const newer = JSON.stringify({ schemaVersion: 99, connections: {} });
    writeFileSync(path, newer, { mode: 0o600 });
    await expect(new ConfigStore(dir).list()).rejects.toMatchObject({ code: "config_newer" });
    expect(readFileSync(path, "utf8")).toBe(newer);
  });

  it("says so clearly when the folder cannot be written", async () => {
    // A folder under a file cannot be made by anyone, root included (permission bits would not stop root).
    const file = join(root, "a-file");
    writeFileSync(file, "");
    await expect(new ConfigStore(join(file, "config")).save(connection(1, "outbound"))).rejects.toMatchObject({ code: "config_unwritable" });
  });
});
