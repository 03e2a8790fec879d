/** The sandbox account's documented, deterministic credentials (docs/sandbox.md lists them). */
export const SANDBOX_CREDENTIALS = {
  accountToken: "sandbox-account-token-0001",
  serverToken: "sandbox-server-token-acme-prod",
  accessKey: "sandbox-access-key-0001",
  secretKey: "sandbox-secret-key-0001",
  /** The sandbox's Customer.io workspace "Acme" (region US), whose custom SMTP server is stream outbound's token. */
  customerioKey: "sandbox-customerio-app-api-key-0001",
  /** The sandbox's Customer.io workspace "Acme Newsletters" (region US), whose custom SMTP server is stream broadcast's token. */
  customerioBroadcastKey: "sandbox-customerio-app-api-key-0002",
};

export const SANDBOX_SERVERS = { production: 1001, staging: 1002, legacy: 1003 };

/** A confirmed sender signature, for --send-test's --from. */
export const SANDBOX_SENDER = "alerts@acme.example";

/** Each usable stream has its own SMTP token, as in Postmark: pasting another stream's shows the wrong-stream case. */
export const SANDBOX_SMTP_TOKENS = [
  {
    server: "Acme Production",
    serverId: SANDBOX_SERVERS.production,
    stream: "outbound",
    accessKey: SANDBOX_CREDENTIALS.accessKey,
    secretKey: SANDBOX_CREDENTIALS.secretKey,
  },
  {
    server: "Acme Production",
    serverId: SANDBOX_SERVERS.production,
    stream: "broadcast",
    accessKey: "sandbox-access-key-0002",
    secretKey: "sandbox-secret-key-0002",
  },
  {
    server: "Acme Staging",
    serverId: SANDBOX_SERVERS.staging,
    stream: "outbound",
    accessKey: "sandbox-access-key-0003",
    secretKey: "sandbox-secret-key-0003",
  },
];
