/** Replaced with package.json's version when bundled (scripts/build.mjs) and in tests (vitest.config.ts). */
declare const CIO_POSTMARK_VERSION: string;

export function packageVersion(): string {
  return CIO_POSTMARK_VERSION;
}
