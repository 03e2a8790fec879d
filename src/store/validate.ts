/** Checks a saved entry on read: a hand-edited or damaged one must not reach Postmark or the output. */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isText = (value: unknown) => typeof value === "string" && value.trim() !== "";
const isId = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;

/** What is wrong with an entry, in words; undefined when it is usable. */
export function problemWithEntry(entry: unknown): string | undefined {
  if (!isObject(entry)) return "the entry is not an object";
  if (!isId(entry.serverId)) return "serverId is not a positive whole number";
  if (!isText(entry.serverName)) return "serverName is missing";
  if (!isText(entry.streamId)) return "streamId is missing";
  if (entry.streamType !== "Transactional" && entry.streamType !== "Broadcasts") return "streamType is not Transactional or Broadcasts";
  if (entry.region !== "us" && entry.region !== "eu") return `region is not "us" or "eu"`;
  if (entry.webhookId !== null && !isId(entry.webhookId)) return "webhookId is not a whole number";
  if (typeof entry.webhookUrl !== "string") return "webhookUrl is missing";
  if (entry.serverToken !== undefined && !isText(entry.serverToken)) return "serverToken is not text";
  if (entry.secrets !== undefined && !["saved", "not-stored", "environment"].includes(entry.secrets as string))
    return `secrets is not "saved", "not-stored" or "environment"`;
  if (entry.secretKeyEnv !== undefined && !isText(entry.secretKeyEnv)) return "secretKeyEnv is not text";
  if (entry.webhookUnverified !== undefined && typeof entry.webhookUnverified !== "boolean")
    return "webhookUnverified is not true or false";
  if (entry.smtp !== null) {
    const smtp = entry.smtp;
    if (!isObject(smtp)) return "smtp is not an object";
    if (!isText(smtp.host)) return "smtp.host is missing";
    if (!Number.isInteger(smtp.port) || (smtp.port as number) < 1 || (smtp.port as number) > 65_535)
      return "smtp.port is not a port number";
    if (!isText(smtp.accessKey)) return "smtp.accessKey is missing";
    if (smtp.secretKey !== undefined && !isText(smtp.secretKey)) return "smtp.secretKey is not text";
  }
  return undefined;
}
