import type { DoctorCheck } from "../types.js";
import { configFileCheck } from "./config-file.js";
import {
  serverSmtpCheck,
  smtpErrorHooksCheck,
  streamCheck,
  unsubscribeCheck,
  webhookDeliveryCheck,
  webhookDuplicatesCheck,
  webhookExistsCheck,
  webhookTriggersCheck,
} from "./judged.js";
import { serverTokenCheck } from "./server-token.js";
import { webhookVerifyCheck } from "./webhook-verify.js";
import { smtpAuthCheck } from "./smtp-auth.js";
import { smtpSendCheck } from "./smtp-send.js";
import { sendingDomainsCheck } from "./sending-domains.js";
import { customerioRegionCheck } from "./customerio-region.js";
import { endToEndCheck } from "./end-to-end.js";

/**
 * The checks, in the order they are printed. Those judge.ts decides are views of its findings
 * (judged.ts); the others each read and judge one thing of their own.
 */
export const CHECKS: DoctorCheck[] = [
  configFileCheck,
  serverTokenCheck,
  serverSmtpCheck,
  streamCheck,
  webhookExistsCheck,
  webhookTriggersCheck,
  webhookDuplicatesCheck,
  webhookDeliveryCheck,
  webhookVerifyCheck,
  smtpAuthCheck,
  smtpSendCheck,
  smtpErrorHooksCheck,
  unsubscribeCheck,
  sendingDomainsCheck,
  customerioRegionCheck,
  endToEndCheck,
];
