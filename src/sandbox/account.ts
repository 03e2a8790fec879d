import type { Domain, MessageStream, SenderSignature, Server, StreamType, UnsubscribeHandling, Webhook } from "../core/model.js";

/** A message the simulated SMTP server took in, as the Messages API will show it. */
export interface SentMessage {
  MessageID: string;
  ServerID: number;
  MessageStream: string;
  Tag: string;
  From: string;
  To: Array<{ Email: string; Name: string }>;
  Recipients: string[];
  Subject: string;
  Metadata: Record<string, string>;
  ReceivedAt: string;
  /** What happened to it, where a test or the sandbox says so; otherwise its event follows from the recipient. */
  Events?: Array<{ Type: string; ReceivedAt: string; Details?: Record<string, string> }>;
}

/**
 * A webhook as the simulator keeps it: its server, and each trigger's verification state where it
 * differs from the webhook's (Postmark pauses a trigger that keeps failing; the others go on).
 */
export type StoredWebhook = Webhook & {
  ServerID: number;
  TriggerStatuses?: Partial<Record<keyof Webhook["Triggers"], "verified" | "unverified">>;
};

/** A stream's suppression of one address, as the simulator keeps it. */
export interface StoredSuppression {
  ServerID: number;
  MessageStream: string;
  EmailAddress: string;
  SuppressionReason: "HardBounce" | "SpamComplaint" | "ManualSuppression";
  Origin: "Recipient" | "Customer" | "Admin";
  CreatedAt: string;
}

/** Everything the simulator knows about one Postmark account: plain data, saved as JSON by the sandbox. */
export interface AccountState {
  accountTokens: string[];
  servers: Server[];
  streams: MessageStream[];
  webhooks: StoredWebhook[];
  domains: Domain[];
  senders: SenderSignature[];
  messages: SentMessage[];
  suppressions: StoredSuppression[];
  nextWebhookId: number;
}

export interface StreamSpec {
  id: string;
  type: StreamType;
  name?: string;
  unsubscribeHandling?: UnsubscribeHandling;
  archived?: boolean;
}

export interface ServerSpec {
  id?: number;
  name: string;
  tokens?: string[];
  smtp?: boolean;
  /** EnableSmtpApiErrorHooks as the server reports it; absent (an answer that does not say) unless given. */
  errorHooks?: boolean;
  /** Defaults to Postmark's seeded outbound, inbound and broadcast streams. */
  streams?: StreamSpec[];
}

export interface AccountSpec {
  accountToken?: string;
  servers: ServerSpec[];
  domains?: Array<Partial<Domain> & { Name: string }>;
  /** Sender signatures, confirmed unless said otherwise. */
  senders?: Array<{ EmailAddress: string; Confirmed?: boolean }>;
}

const SEED_TIME = "2026-01-05T10:00:00.0000000-05:00";

const DEFAULT_STREAMS: StreamSpec[] = [
  { id: "outbound", type: "Transactional", name: "Default Transactional Stream" },
  { id: "inbound", type: "Inbound", name: "Default Inbound Stream" },
  { id: "broadcast", type: "Broadcasts", name: "Default Broadcast Stream" },
];

/** Builds a deterministic account: the same spec always gives the same ids and tokens. */
export function buildAccount(spec: AccountSpec): AccountState {
  const servers: Server[] = [];
  const streams: MessageStream[] = [];
  spec.servers.forEach((serverSpec, index) => {
    const id = serverSpec.id ?? 10_001 + index;
    servers.push({
      ID: id,
      Name: serverSpec.name,
      ApiTokens: serverSpec.tokens ?? [`server-token-${id}`],
      SmtpApiActivated: serverSpec.smtp ?? true,
      ...(serverSpec.errorHooks === undefined ? {} : { EnableSmtpApiErrorHooks: serverSpec.errorHooks }),
      ServerLink: `https://account.postmarkapp.com/servers/${id}/streams`,
      DeliveryType: "Live",
      Color: "Blue",
    });
    for (const stream of serverSpec.streams ?? DEFAULT_STREAMS) streams.push(makeStream(id, stream));
  });
  return {
    accountTokens: spec.accountToken ? [spec.accountToken] : [],
    servers,
    streams,
    webhooks: [],
    domains: (spec.domains ?? []).map((domain, index) => ({
      ID: 501 + index,
      SPFVerified: true,
      DKIMVerified: true,
      WeakDKIM: false,
      ReturnPathDomainVerified: true,
      ...domain,
    })),
    senders: (spec.senders ?? []).map((sender, index) => ({
      ID: 301 + index,
      EmailAddress: sender.EmailAddress,
      Domain: sender.EmailAddress.split("@")[1] ?? "",
      Confirmed: sender.Confirmed ?? true,
    })),
    messages: [],
    suppressions: [],
    nextWebhookId: 9001,
  };
}

function makeStream(serverId: number, spec: StreamSpec): MessageStream {
  const handling = spec.unsubscribeHandling ?? (spec.type === "Broadcasts" ? "Postmark" : "None");
  return {
    ID: spec.id,
    ServerID: serverId,
    Name: spec.name ?? spec.id,
    Description: null,
    MessageStreamType: spec.type,
    CreatedAt: SEED_TIME,
    UpdatedAt: null,
    ArchivedAt: spec.archived ? SEED_TIME : null,
    ExpectedPurgeDate: null,
    SubscriptionManagementConfiguration: { UnsubscribeHandlingType: handling },
  };
}
