/**
 * Every secret the tool reads is registered here, and everything it prints passes through
 * `redact` (text) or `redactValue` (a document, before it is serialised): a secret that slips into
 * an error message from a server or a library is still masked.
 */
import { isSecretHeader, maskCredentialsInText } from "./credentials.js";
import { mask } from "./mask.js";

export { mask };

const MIN_SECRET_LENGTH = 4;

/** The secrets that begin with one 4-character prefix, by length, longest first. */
interface PrefixGroup {
  lengths: number[];
  byLength: Map<number, Set<string>>;
}

export class SecretRegistry {
  /**
   * One pass over a text finds every secret, however many are registered (a config with thousands
   * of connections has thousands): a position is looked at only when its first character and then
   * its first four could start a secret, and then each length is one hash lookup.
   */
  private readonly byPrefix = new Map<string, PrefixGroup>();
  private readonly firstChars = new Set<number>();

  /** A secret, and its base64 form (an API answer or a protocol may carry it encoded). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    this.addOne(secret);
    this.addOne(Buffer.from(secret, "utf8").toString("base64"));
  }

  private addOne(secret: string): void {
    const prefix = secret.slice(0, MIN_SECRET_LENGTH);
    let group = this.byPrefix.get(prefix);
    if (!group) this.byPrefix.set(prefix, (group = { lengths: [], byLength: new Map() }));
    let sameLength = group.byLength.get(secret.length);
    if (!sameLength) {
      group.byLength.set(secret.length, (sameLength = new Set()));
      group.lengths = [...group.byLength.keys()].sort((a, b) => b - a);
    }
    sameLength.add(secret);
    this.firstChars.add(secret.charCodeAt(0));
  }

  /** The text with every registered secret, and other services' credentials in URLs, masked. */
  redact(text: string): string {
    return maskCredentialsInText(this.redactRegistered(text));
  }

  private redactRegistered(text: string): string {
    let result = "";
    let copiedUpTo = 0;
    for (let index = 0; index <= text.length - MIN_SECRET_LENGTH;) {
      const secret = this.secretAt(text, index);
      if (secret === undefined) {
        index += 1;
        continue;
      }
      result += text.slice(copiedUpTo, index) + mask(secret);
      index += secret.length;
      copiedUpTo = index;
    }
    return result + text.slice(copiedUpTo);
  }

  /** The longest secret that starts at `index`, if any. */
  private secretAt(text: string, index: number): string | undefined {
    if (!this.firstChars.has(text.charCodeAt(index))) return undefined;
    const group = this.byPrefix.get(text.slice(index, index + MIN_SECRET_LENGTH));
    if (!group) return undefined;
    for (const length of group.lengths) {
      const candidate = text.slice(index, index + length);
      if (group.byLength.get(length)!.has(candidate)) return candidate;
    }
    return undefined;
  }

  /** A copy of a JSON-able value with every string redacted: masking happens before any escaping. */
  redactValue<T>(value: T): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item)) as T;
    if (isSecretHeader(value)) return { ...value, Name: this.redact(value.Name), Value: mask(value.Value) } as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactValue(item)])) as T;
    }
    return value;
  }
}
