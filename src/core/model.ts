/** The parts of Postmark's API objects this tool reads (field names as Postmark sends them). */
export interface Server {
  ID: number;
  Name: string;
  ApiTokens: string[];
  SmtpApiActivated: boolean;
  ServerLink: string;
  DeliveryType?: string;
  Color?: string;
  /** Postmark reports SMTP sends it refuses (to a suppressed address) by webhook, as SMTPApiError bounces, only when this is on. */
  EnableSmtpApiErrorHooks?: boolean;
}

export type StreamType = "Transactional" | "Broadcasts" | "Inbound";
export type UnsubscribeHandling = "None" | "Postmark" | "Custom";

export interface MessageStream {
  ID: string;
  ServerID: number;
  Name: string;
  Description: string | null;
  MessageStreamType: StreamType;
  CreatedAt: string;
  UpdatedAt: string | null;
  ArchivedAt: string | null;
  ExpectedPurgeDate: string | null;
  SubscriptionManagementConfiguration: { UnsubscribeHandlingType: UnsubscribeHandling };
}

export interface WebhookTriggers {
  Open: { Enabled: boolean; PostFirstOpenOnly: boolean };
  Click: { Enabled: boolean };
  Delivery: { Enabled: boolean };
  Bounce: { Enabled: boolean; IncludeContent: boolean };
  SpamComplaint: { Enabled: boolean; IncludeContent: boolean };
  SubscriptionChange: { Enabled: boolean };
}

export interface HttpHeader {
  Name: string;
  Value: string;
}

/** Postmark's current API says whether it checked the URL; the older one says nothing (null). */
export type WebhookStatus = "verified" | "unverified" | null;

export interface Webhook {
  ID: number;
  Url: string;
  MessageStream: string;
  HttpAuth: { Username: string; Password: string } | null;
  HttpHeaders: HttpHeader[];
  Triggers: WebhookTriggers;
  Status?: WebhookStatus;
}

/** One call Postmark made to the webhook's URL, per trigger, when verifying it. */
export interface TriggerCheck {
  trigger: string;
  success: boolean;
  statusCode: number;
  message: string;
}

/** Postmark's outcome of calling the URL now: `success` as Postmark says it, and each trigger's call. */
export interface WebhookVerification {
  success: boolean;
  checks: TriggerCheck[];
}

/** Counts of Postmark's calls to the webhook's URL in the last 24 hours. */
export interface DeliveryCounts {
  total: number;
  succeeded: number;
  failed: number;
  retries: number;
}

/** Postmark's deliveries to the webhook's URL in the last 24 hours, in all and, where Postmark says, per trigger. */
export interface WebhookDeliveries extends DeliveryCounts {
  /** Each trigger's verification state (`verified`, `unverified`; a paused trigger is unverified), where Postmark reports it. */
  statuses?: Record<string, string>;
  /** Each trigger's counts, where Postmark reports them. */
  byTrigger?: Record<string, DeliveryCounts>;
}

/** What POST /webhooks and PUT /webhooks/{id} take (never `Status`, never `ID`). */
export interface WebhookBody {
  Url: string;
  MessageStream?: string;
  HttpAuth?: { Username: string; Password: string };
  HttpHeaders?: HttpHeader[];
  /** A trigger left out keeps the value Postmark has (or its default on create). */
  Triggers: Partial<WebhookTriggers>;
}

export interface Domain {
  ID: number;
  Name: string;
  SPFVerified: boolean;
  DKIMVerified: boolean;
  WeakDKIM: boolean;
  ReturnPathDomainVerified: boolean;
}

export interface SenderSignature {
  ID: number;
  EmailAddress: string;
  Domain: string;
  Confirmed: boolean;
}

export interface MessageEvent {
  Recipient?: string;
  Type: string;
  ReceivedAt?: string;
  /** A Bounced event's: its Summary, and the bounce's BounceID (a string). */
  Details?: Record<string, unknown>;
}

/** One address on a stream's suppression list, as Postmark's dump shows it. */
export interface Suppression {
  EmailAddress: string;
  /** HardBounce, SpamComplaint or ManualSuppression. */
  SuppressionReason: string;
  /** Recipient (she bounced, complained or unsubscribed), Customer (this account), or Admin (Postmark's staff). */
  Origin: string;
  CreatedAt: string;
}

/** A sent message as the Messages API lists it; the details add its events. */
export interface OutboundMessage {
  MessageID: string;
  MessageStream: string;
  Tag?: string;
  Subject?: string;
  Recipients?: string[];
  Status?: string;
  ReceivedAt?: string;
  Metadata?: Record<string, string>;
  MessageEvents?: MessageEvent[];
}
