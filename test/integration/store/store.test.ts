import { isMainThread } from "node:worker_threads";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigStore, type SavedConnection } from "../../../src/store/config-store.js";

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
    const error = await store.save(connection(1, "outbound")).then(
      () => undefined,
      (e) => e,
    );
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
    await expect(new ConfigStore(join(file, "config")).save(connection(1, "outbound"))).rejects.toMatchObject({
      code: "config_unwritable",
    });
  });

  it("says there are no modes before anything is saved, and reads no file into being", async () => {
    const store = new ConfigStore(join(root, "absent"));
    expect(store.fileMode()).toBeUndefined();
    expect(store.dirMode()).toBeUndefined();
    expect(store.path).toBe(join(root, "absent", "config.json"));
    expect(await store.list()).toEqual([]);
    expect(existsSync(store.path)).toBe(false);
  });

  it("reading with nothing saved makes no folder, even where none could be made", async () => {
    const store = new ConfigStore(join(root, "absent"));
    expect(await store.list()).toEqual([]);
    expect(await store.invalid()).toEqual([]);
    expect(existsSync(join(root, "absent"))).toBe(false);
    const file = join(root, "a-file");
    writeFileSync(file, "");
    expect(await new ConfigStore(join(file, "config")).list()).toEqual([]);
  });

  it("removes what a killed save left (config.json.tmp-*), and nothing else", async () => {
    const store = new ConfigStore(join(root, "config"));
    await store.save(connection(1, "outbound"));
    const folder = join(root, "config");
    writeFileSync(join(folder, "config.json.tmp-17650000001a2b3c"), '{"secret":"sk-secret-value-1234"}');
    writeFileSync(join(folder, "notes.txt"), "mine");
    store.removeLeftovers();
    expect(readdirSync(folder).sort()).toEqual(["config.json", "notes.txt"]);
    expect(await store.list()).toHaveLength(1);
    new ConfigStore(join(root, "never-made")).removeLeftovers(); // no folder: nothing to do, no error
  });

  it("finds a connection by server and stream, the stream's case aside; removing an unknown one changes nothing", async () => {
    const store = new ConfigStore(join(root, "config"));
    await store.save(connection(1, "Outbound"));
    expect((await store.find(1, "outbound"))?.streamId).toBe("Outbound");
    expect(await store.find(2, "outbound")).toBeUndefined();
    expect(await store.find(1, "broadcast")).toBeUndefined();
    const before = readFileSync(store.path, "utf8");
    expect(await store.remove(1, "broadcast")).toBe(false);
    expect(readFileSync(store.path, "utf8")).toBe(before);
    expect(Object.keys(JSON.parse(before).connections)).toEqual(["1:outbound"]);
  });

  it("lists an unusable entry apart, with what is wrong, and keeps it when saving another", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    const broken = { ...connection(3, "outbound"), region: "asia" };
    writeFileSync(join(dir, "config.json"), JSON.stringify({ schemaVersion: 1, connections: { "3:outbound": broken } }), { mode: 0o600 });
    const store = new ConfigStore(dir);
    expect(await store.invalid()).toEqual([{ key: "3:outbound", problem: 'region is not "us" or "eu"' }]);
    expect(await store.list()).toEqual([]);
    await store.save(connection(1, "outbound"));
    expect(JSON.parse(readFileSync(store.path, "utf8")).connections["3:outbound"]).toEqual(broken);
    expect(await store.invalid()).toHaveLength(1);
  });

  it.each([
    ["no schema version", '{"connections": {}}'],
    ["a schema version in words", '{"schemaVersion": "1", "connections": {}}'],
    ["no connections", '{"schemaVersion": 1}'],
    ["null connections", '{"schemaVersion": 1, "connections": null}'],
  ])("a file that is %s is not taken for a config, and is left as it is", async (_name, text) => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), text, { mode: 0o600 });
    const store = new ConfigStore(dir);
    await expect(store.save(connection(1, "outbound"))).rejects.toMatchObject({
      code: "config_damaged",
      message: `The saved config at ${store.path} does not look like a cio-postmark config; it was left as it is.`,
      hint: `Move it aside (mv "${store.path}" "${store.path}.bak") and run setup again, or repair it by hand.`,
    });
    expect(readFileSync(store.path, "utf8")).toBe(text);
  });

  it("on Windows, the way to move it aside is a command cmd and PowerShell both run", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), "{", { mode: 0o600 });
    const store = new ConfigStore(dir, false);
    await expect(store.list()).rejects.toMatchObject({
      code: "config_damaged",
      hint: `Move it aside (move "${store.path}" "${store.path}.bak") and run setup again, or repair it by hand.`,
    });
  });

  it("an empty object is an empty config, and a file of the current schema is read", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), "{}", { mode: 0o600 });
    expect(await new ConfigStore(dir).list()).toEqual([]);
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ schemaVersion: 1, connections: { "1:outbound": connection(1, "outbound") } }),
      { mode: 0o600 },
    );
    expect(await new ConfigStore(dir).list()).toEqual([connection(1, "outbound")]);
  });

  it("names the newer schema and how to upgrade", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ schemaVersion: 2, connections: {} }), { mode: 0o600 });
    const store = new ConfigStore(dir);
    await expect(store.list()).rejects.toMatchObject({
      message: `The saved config at ${store.path} was written by a newer cio-postmark (schema 2); it was left as it is.`,
      hint: "Upgrade with `npx cio-postmark@latest`, or point --config-dir at another folder.",
    });
  });

  it("refuses a symlinked file with what to do, and reads nothing through it", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { recursive: true });
    const elsewhere = join(root, "elsewhere.json");
    writeFileSync(elsewhere, JSON.stringify({ schemaVersion: 1, connections: {} }));
    symlinkSync(elsewhere, join(dir, "config.json"));
    const store = new ConfigStore(dir);
    await expect(store.list()).rejects.toMatchObject({
      code: "config_symlink",
      message: `The config file ${store.path} is a symbolic link; it was left as it is and nothing was saved.`,
      hint: `Replace it with a plain file (rm "${store.path}", then run setup again), or choose another folder with --config-dir.`,
    });
    // On Windows, the command cmd and PowerShell both run.
    await expect(new ConfigStore(dir, false).list()).rejects.toMatchObject({
      hint: `Replace it with a plain file (del "${store.path}", then run setup again), or choose another folder with --config-dir.`,
    });
  });

  it("names the system's error code when the folder cannot be made", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "");
    const dir = join(file, "config");
    await expect(new ConfigStore(dir).save(connection(1, "outbound"))).rejects.toMatchObject({
      code: "config_unwritable",
      message: `Cannot write the config folder ${dir} (ENOTDIR).`,
      hint: "Choose a folder you can write with --config-dir or CIO_POSTMARK_CONFIG_DIR.",
    });
  });

  it("tightens a loosened folder on save and on restrictModes, the file back to 0600", async () => {
    const dir = join(root, "config");
    const store = new ConfigStore(dir);
    await store.save(connection(1, "outbound"));
    chmodSync(dir, 0o750);
    await store.save(connection(2, "outbound"));
    expect(store.dirMode()).toBe(0o700);
    chmodSync(store.path, 0o644);
    chmodSync(dir, 0o701);
    expect(store.fileMode()).toBe(0o644);
    store.restrictModes();
    expect(store.fileMode()).toBe(0o600);
    expect(store.dirMode()).toBe(0o700);
  });

  it("leaves a folder's mode alone where the system has no modes (Windows)", async () => {
    const dir = join(root, "config");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    await new ConfigStore(dir, false).save(connection(1, "outbound"));
    expect(statSync(dir).mode & 0o777).toBe(0o755);
  });

  it("makes its folder 0700 before anything is saved, and reading alone makes none", async () => {
    const store = new ConfigStore(join(root, "fresh", "config"));
    await store.list();
    expect(store.dirMode()).toBeUndefined();
    store.assertWritable();
    expect(store.dirMode()).toBe(0o700);
  });

  it("a file damaged after it was first read is reported, not overwritten", async () => {
    const store = new ConfigStore(join(root, "config"));
    await store.save(connection(1, "outbound"));
    writeFileSync(store.path, '{"schemaVersion": 1, "conn');
    await expect(store.save(connection(2, "outbound"))).rejects.toMatchObject({
      code: "config_damaged",
      message: `The saved config at ${store.path} is not valid JSON; it was left as it is.`,
    });
    expect(readFileSync(store.path, "utf8")).toBe('{"schemaVersion": 1, "conn');
  });

  it("a folder where config.json should be is unwritable, not damaged", async () => {
    const dir = join(root, "config");
    mkdirSync(join(dir, "config.json"), { recursive: true });
    await expect(new ConfigStore(dir).list()).rejects.toMatchObject({
      code: "config_unwritable",
      message: `Cannot write the config folder ${dir} (EISDIR).`,
    });
  });

  it("a folder that turned into a file after it was read: the save says it cannot write, with the system's code", async () => {
    const dir = join(root, "config");
    const store = new ConfigStore(dir);
    await store.save(connection(1, "outbound"));
    await store.list();
    rmSync(dir, { recursive: true });
    writeFileSync(dir, "");
    await expect(store.save(connection(1, "outbound"))).rejects.toMatchObject({
      code: "config_unwritable",
      message: `Cannot write the config folder ${dir} (ENOTDIR).`,
    });
  });
});
