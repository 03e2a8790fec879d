/** How a secret is shown: `••••` and, for a long one, its last 4 characters. */
export function mask(secret: string | undefined): string {
  if (!secret) return "";
  // Short secrets show nothing of themselves; long ones their last 4 characters.
  return secret.length >= 12 ? `••••${secret.slice(-4)}` : "••••";
}
