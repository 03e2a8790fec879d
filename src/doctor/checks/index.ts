import type { DoctorCheck } from "../types.js";
import { configFileCheck } from "./config-file.js";
import { serverTokenCheck } from "./server-token.js";
import { serverSmtpCheck } from "./server-smtp.js";
import { streamCheck } from "./stream.js";
import { webhookExistsCheck } from "./webhook-exists.js";
import { webhookTriggersCheck } from "./webhook-triggers.js";
import { webhookDuplicatesCheck } from "./webhook-duplicates.js";
import { webhookDeliveryCheck } from "./webhook-delivery.js";
import { webhookVerifyCheck } from "./webhook-verify.js";
import { smtpAuthCheck } from "./smtp-auth.js";
import { smtpSendCheck } from "./smtp-send.js";
import { unsubscribeCheck } from "./unsubscribe-handling.js";
import { sendingDomainsCheck } from "./sending-domains.js";
import { customerioRegionCheck } from "./customerio-region.js";
import { endToEndCheck } from "./end-to-end.js";

/** The checks, in the order they are printed. Each is small, in a file of its own, and judges one thing. */
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
  unsubscribeCheck,
  sendingDomainsCheck,
  customerioRegionCheck,
  endToEndCheck,
];
