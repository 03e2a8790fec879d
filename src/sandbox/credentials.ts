/** The sandbox account's documented, deterministic credentials (README lists them). */
export const SANDBOX_CREDENTIALS = {
  accountToken: "sandbox-account-token-0001",
  serverToken: "sandbox-server-token-acme-prod",
  accessKey: "sandbox-access-key-0001",
  secretKey: "sandbox-secret-key-0001",
};

export const SANDBOX_SERVERS = { production: 1001, staging: 1002, legacy: 1003 };
