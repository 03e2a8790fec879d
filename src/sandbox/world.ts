import type { AccountState } from "./account.js";
import { makeCertificate, type Certificate } from "./certificate.js";
import { CustomerIoSimulator, type CustomerIoSimulatorOptions, type CustomerIoWorkspace } from "./customerio-simulator.js";
import { PostmarkSimulator } from "./postmark/simulator.js";
import type { SimulatorOptions } from "./postmark/state.js";
import { sentMessageOf, startLoopbackSmtp, type LoopbackSmtp, type LoopbackSmtpOptions } from "./smtp-server.js";

/**
 * One simulated world over one account: Postmark's API, its SMTP server (a message sent there shows
 * in the Messages API, from senders the account allows) and, when asked, Customer.io sending
 * through that SMTP server. The sandbox and the tests wire it here, the one place.
 */

export interface WorldSpec {
  account: AccountState;
  postmark?: SimulatorOptions;
  smtp: Pick<LoopbackSmtpOptions, "keyPairs"> & Partial<LoopbackSmtpOptions>;
  /** Made for the run when not given. */
  certificate?: Certificate;
  /** Customer.io's workspaces, when the world has a Customer.io. */
  customerio?: { workspaces: CustomerIoWorkspace[] } & Omit<CustomerIoSimulatorOptions, "postmark" | "smtp">;
}

export interface SimulatedWorld {
  postmark: PostmarkSimulator;
  smtp: LoopbackSmtp;
  customerio?: CustomerIoSimulator;
  certificate: Certificate;
  close(): Promise<void>;
}

export async function startSimulatedWorld(spec: WorldSpec): Promise<SimulatedWorld> {
  const certificate = spec.certificate ?? makeCertificate();
  const postmark = await PostmarkSimulator.start(spec.account, spec.postmark);
  const smtp = await startLoopbackSmtp({
    certificate,
    acceptsSender: (address) => postmark.acceptsSender(address),
    onMessage: (message) => postmark.recordMessage(sentMessageOf(message)),
    ...spec.smtp,
  });
  const customerio = spec.customerio
    ? await CustomerIoSimulator.start(spec.customerio.workspaces, {
        ...spec.customerio,
        postmark,
        smtp: { port: smtp.port, ca: certificate.cert },
      })
    : undefined;
  return {
    postmark,
    smtp,
    customerio,
    certificate,
    async close() {
      await Promise.all([postmark.close(), smtp.close(), customerio?.close()]);
    },
  };
}
