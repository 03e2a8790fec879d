import type { Workspace } from "../../customerio/api.js";

/**
 * What a sitting learns after its inputs were read, each fact through one named method, so no
 * step changes what another step was given behind its back. Shared by every stream of the sitting.
 */
export class Sitting {
  private typedKey?: string;
  private foundWorkspace?: Workspace;
  private lastSender?: string;
  private saved: Array<{ serverId: number; serverName: string; streamId: string }> = [];

  /** `envKey`: CUSTOMERIO_APP_API_KEY, if set. */
  constructor(private readonly envKey: string | undefined) {}

  /** CUSTOMERIO_APP_API_KEY, or the key a person typed: never saved. */
  get customerioKey(): string | undefined {
    return this.typedKey ?? this.envKey;
  }

  /** The key's workspace, once read: its region answers the region question. */
  get workspace(): Workspace | undefined {
    return this.foundWorkspace;
  }

  /** The sender of this sitting's last test message, for the wizard's end-to-end offer. */
  get senderUsed(): string | undefined {
    return this.lastSender;
  }

  keyTyped(key: string): void {
    this.typedKey = key;
  }

  workspaceFound(workspace: Workspace): void {
    this.foundWorkspace = workspace;
  }

  testMessageSent(from: string): void {
    this.lastSender = from;
  }

  /** The connections this sitting saved, in order: a sitting that ends early says how to pick up after them. */
  get connectionsSaved(): ReadonlyArray<{ serverId: number; serverName: string; streamId: string }> {
    return this.saved;
  }

  connectionSaved(connection: { serverId: number; serverName: string; streamId: string }): void {
    this.saved.push(connection);
  }
}
