/**
 * Every secret the tool reads is registered here, and everything it prints passes through
 * `redact`: a secret that slips into an error message from a server or a library is still masked.
 */
const MIN_SECRET_LENGTH = 4;

export function mask(secret: string | undefined): string {
  if (!secret) return "";
  // Short secrets show nothing of themselves; long ones their last 4 characters.
  return secret.length >= 12 ? `••••${secret.slice(-4)}` : "••••";
}

export class SecretRegistry {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (result.includes(secret)) result = result.split(secret).join(mask(secret));
    }
    return result;
  }
}
