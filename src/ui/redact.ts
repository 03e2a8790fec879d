/**
 * Every secret the tool reads is registered here, and everything it prints passes through
 * `redact` (text) or `redactValue` (a document, before it is serialised): a secret that slips into
 * an error message from a server or a library is still masked.
 */
const MIN_SECRET_LENGTH = 4;

export function mask(secret: string | undefined): string {
  if (!secret) return "";
  // Short secrets show nothing of themselves; long ones their last 4 characters.
  return secret.length >= 12 ? `••••${secret.slice(-4)}` : "••••";
}

export class SecretRegistry {
  /**
   * Secrets by their first characters, longest first within each group: one pass over a text
   * finds them all, however many there are (a config with thousands of connections has thousands).
   */
  private readonly byPrefix = new Map<string, string[]>();

  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    const prefix = secret.slice(0, MIN_SECRET_LENGTH);
    const group = this.byPrefix.get(prefix) ?? [];
    if (group.includes(secret)) return;
    group.push(secret);
    group.sort((a, b) => b.length - a.length);
    this.byPrefix.set(prefix, group);
  }

  redact(text: string): string {
    if (this.byPrefix.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    let result = "";
    let copiedUpTo = 0;
    for (let index = 0; index <= text.length - MIN_SECRET_LENGTH; ) {
      const group = this.byPrefix.get(text.slice(index, index + MIN_SECRET_LENGTH));
      const secret = group?.find((candidate) => text.startsWith(candidate, index));
      if (secret === undefined) {
        index += 1;
        continue;
      }
      result += text.slice(copiedUpTo, index) + mask(secret);
      index += secret.length;
      copiedUpTo = index;
    }
    return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
  }

  /** A copy of a JSON-able value with every string redacted: masking happens before any escaping. */
  redactValue<T>(value: T): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item)) as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactValue(item)])) as T;
    }
    return value;
  }
}
