import type { SavedConnection } from "../../src/store/config-store.js";

/** A whole saved connection as config.json holds it (Acme Production / outbound), for tests to vary. */
export function savedConnection(changes: Partial<SavedConnection> = {}): SavedConnection {
  return {
    serverId: 1001,
    serverName: "Acme Production",
    streamId: "outbound",
    streamName: "Default Transactional Stream",
    streamType: "Transactional",
    region: "us",
    webhookId: 9001,
    webhookUrl: "https://track.customer.io/postmark/events",
    smtp: { host: "smtp.postmarkapp.com", port: 587, accessKey: "ak", secretKey: "sk" },
    serverToken: "token",
    verifiedAt: null,
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...changes,
  };
}
