import { CustomerIoSimulator, type CustomerIoSimulatorOptions, type CustomerIoWorkspace } from "../../src/sandbox/customerio-simulator.js";
import { ACCESS_KEY, SECRET_KEY, type World } from "./world.js";

/** Customer.io beside a test's Postmark world: a US and an EU workspace, each sending through Production/outbound's SMTP token. */

export const CIO_US_KEY = "cio-app-key-US-5f0c2b9e7a1d4c3b8e6f";
export const CIO_EU_KEY = "cio-app-key-EU-0a9b8c7d6e5f4a3b2c1d";

export async function startCustomerIo(
  world: World,
  changes: Partial<Record<"us" | "eu", Partial<CustomerIoWorkspace>>> = {},
  options: Partial<Omit<CustomerIoSimulatorOptions, "postmark" | "smtp">> = {},
): Promise<CustomerIoSimulator> {
  const smtp = { accessKey: ACCESS_KEY, secretKey: SECRET_KEY };
  const workspaces: CustomerIoWorkspace[] = [
    { id: 101, name: "Acme US", region: "us", apiKey: CIO_US_KEY, smtp, ...changes.us },
    { id: 202, name: "Acme EU", region: "eu", apiKey: CIO_EU_KEY, smtp, ...changes.eu },
  ];
  return CustomerIoSimulator.start(workspaces, {
    postmark: world.simulator,
    smtp: { port: world.smtp.port, ca: world.certificate.cert },
    processingMs: 30,
    ...options,
  });
}
