import { REGION_SIGN_IN } from "../../core/regions.js";
import { POSTMARK_WEB_APP } from "../../postmark/links.js";
import { POSTMARK_SUPPORT } from "../../connections/support-request.js";
import type { Runtime } from "../../runtime.js";

/**
 * In a desktop session, a page the wizard names opens in the browser on a yes; over SSH or
 * headless, the link printed is all. Only Postmark's web app and Customer.io's sign-in pages: a
 * link built from an API answer could point anywhere.
 */

const OPENABLE_ORIGINS = [POSTMARK_WEB_APP, ...Object.values(REGION_SIGN_IN)];

export async function offerToOpen(runtime: Runtime, link: string, question = "Open that page in your browser?"): Promise<void> {
  if (!runtime.platform.desktop || !isOpenable(link) || !(await runtime.prompter.confirm(question, true))) return;
  try {
    const { default: open } = await import("open");
    await open(link);
  } catch {
    runtime.output.warn("Could not open a browser: open the link above by hand.");
  }
}

function isOpenable(link: string): boolean {
  try {
    const url = new URL(link);
    // A mail to Postmark support is the one other link: the request the wizard wrote.
    if (url.protocol === "mailto:") return url.pathname === POSTMARK_SUPPORT;
    return OPENABLE_ORIGINS.includes(url.origin);
  } catch {
    return false;
  }
}
