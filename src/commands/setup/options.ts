import type { Command } from "commander";
import { DEFAULT_TEST_RECIPIENT } from "../../core/send-test.js";
import type { GlobalOptions } from "../../runtime.js";
import { describeHelp, type CommandHandler } from "../register.js";

/** setup's options: their type, and how commander is told of them. */

export interface SetupOptions extends GlobalOptions {
  server?: string;
  stream?: string;
  region?: string;
  smtpAccessKey?: string;
  smtpSecretStdin?: boolean;
  smtpHost?: string;
  smtpPort?: string;
  skipSmtp?: boolean;
  storeSecrets?: boolean;
  /** False with --no-verify-webhook: Postmark saves the webhook without calling Customer.io first. */
  verifyWebhook?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  sendTest?: boolean;
  from?: string;
  to?: string;
}

export function registerSetup(program: Command, run: CommandHandler<SetupOptions>, all: boolean): void {
  const command = program
    .command("setup", { isDefault: true })
    // setup takes no arguments: a word here is a mistyped command, said as such in the action.
    .allowExcessArguments()
    .description("connect a stream: webhook, SMTP key pair, saved (default)")
    .option("--server <id-or-name>", "Postmark server: exact name or numeric ID")
    .option("--stream <id>", "message stream ID, e.g. outbound or broadcast")
    .option("--region <us|eu>", "Customer.io data-center region (any case)")
    .option("--smtp-access-key <key>", "SMTP token Access Key (also POSTMARK_SMTP_ACCESS_KEY)")
    .option("--smtp-secret-stdin", "read the SMTP Secret Key from standard input")
    .option("--smtp-host <host>", "SMTP host (default by stream type)")
    .option("--smtp-port <port>", "SMTP port: 587 (default), 2525 or 25; never 465")
    .option("--smtp-proxy <url>", "HTTP proxy for the SMTP check (CONNECT; also ALL_PROXY)")
    .option("--skip-smtp", "set up the webhook only; skip the SMTP token")
    .option("--no-store-secrets", "do not save the Secret Key and server token")
    .option("--no-verify-webhook", "save the webhook unverified (it gets no events)")
    .option("--dry-run", "print the plan; change nothing in Postmark or on disk")
    .option("-y, --yes", "answer yes to confirmations (removing duplicates)")
    .option("--send-test", "send one real message to prove the token's stream")
    .option("--from <address>", "--send-test's sender: a confirmed sender in Postmark")
    .option("--to <address>", `--send-test's recipient (default ${DEFAULT_TEST_RECIPIENT})`)
    .action(run);
  describeHelp(
    command,
    "setup",
    {
      examples: [
        "POSTMARK_SERVER_TOKEN=… cio-postmark setup --stream outbound --region us",
        `POSTMARK_ACCOUNT_TOKEN=… cio-postmark setup --server "Production" \\
      --stream outbound --region eu \\
      --smtp-access-key AK… --smtp-secret-stdin < secret.txt`,
        "cio-postmark setup --stream broadcast --region us --skip-smtp --dry-run",
      ],
      rare: ["--smtp-host", "--smtp-port", "--smtp-proxy", "--no-store-secrets", "--no-verify-webhook", "--from", "--to"],
      more: `Triggers (the events Postmark sends Customer.io): Delivery, Bounce, Spam
Complaint and Subscription Change on a transactional stream; a broadcast stream
gets two, Delivery and Subscription Change (Postmark reports its hard bounces
and spam complaints as Subscription Change). Never Open or Click: Customer.io
would count them twice.`,
    },
    all,
  );
}
