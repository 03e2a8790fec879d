import type { AccountClient } from "postmark";
import type { Domain, SenderSignature, Server } from "../core/model.js";
import { clientOptions, PAGE_SIZE, PostmarkApi, type PostmarkSettings } from "./api.js";
import * as shapes from "./shapes.js";

/** Postmark's account-level API (an account token): servers, sending domains, sender signatures. */

export class AccountApi extends PostmarkApi<AccountClient> {
  constructor(token: string, settings: PostmarkSettings, source = "POSTMARK_ACCOUNT_TOKEN") {
    super(token, settings, "account", source);
  }

  protected async createClient() {
    const { AccountClient } = await import("postmark");
    return new AccountClient(this.token, clientOptions(this.settings));
  }

  /** Every server (optionally only those whose name contains `name`). */
  listServers(name?: string): Promise<Server[]> {
    return this.listAll(
      "list your servers",
      (client, offset) => client.getServers({ count: PAGE_SIZE, offset, name }),
      "Servers",
      shapes.server,
    );
  }

  getServer(id: number): Promise<Server> {
    return this.read(`read server ${id}`, (client) => client.getServer(id), shapes.server);
  }

  /**
   * PUT /servers/{id}: Postmark then reports the SMTP sends it refuses (to suppressed addresses) by
   * webhook. It documents this with an account token only.
   */
  enableSmtpApiErrorHooks(id: number): Promise<Server> {
    return this.write(
      `turn on the SMTP API error webhooks of server ${id}`,
      (client) => client.editServer(id, { EnableSmtpApiErrorHooks: true } as never),
      shapes.server,
    );
  }

  /** Whether Postmark takes this as an account token: one small request. */
  async accepted(): Promise<boolean> {
    await this.read(
      "check the account token",
      (client) => client.getServers({ count: 1, offset: 0 }),
      (answer) => shapes.pageOf(answer, "Servers", shapes.server),
    );
    return true;
  }

  listDomains(): Promise<Domain[]> {
    return this.listAll(
      "list your sending domains",
      (client, offset) => client.getDomains({ count: PAGE_SIZE, offset }),
      "Domains",
      shapes.domain,
    );
  }

  listSenderSignatures(): Promise<SenderSignature[]> {
    return this.listAll(
      "list your sender signatures",
      (client, offset) => client.getSenderSignatures({ count: PAGE_SIZE, offset }),
      "SenderSignatures",
      shapes.senderSignature,
    );
  }
}
