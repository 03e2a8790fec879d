import { Chalk, type ChalkInstance } from "chalk";
import type { Io } from "./io.js";
import type { SecretRegistry } from "./redact.js";

export interface OutputOptions {
  json: boolean;
  color: boolean;
}

/**
 * All printing goes through here: chatter and spinners to stderr (silent with --json), results to
 * stdout, every byte passed through the secret registry first.
 */
export class Output {
  readonly style: ChalkInstance;

  constructor(
    private readonly io: Io,
    private readonly secrets: SecretRegistry,
    readonly options: OutputOptions,
  ) {
    this.style = new Chalk({ level: options.color ? 1 : 0 });
  }

  get json(): boolean {
    return this.options.json;
  }

  /** Human chatter on stderr; nothing in JSON mode, where stdout carries the whole story. */
  info(message = ""): void {
    if (!this.json) this.writeErr(`${message}\n`);
  }

  success(message: string): void {
    this.info(`${this.style.green("✔")} ${message}`);
  }

  warn(message: string): void {
    this.info(`${this.style.yellow("!")} ${message}`);
  }

  failure(message: string): void {
    this.info(`${this.style.red("✖")} ${message}`);
  }

  /** Error text is printed even in JSON mode only by the top-level handler, via `writeErr`. */
  writeErr(text: string): void {
    this.io.stderr.write(this.secrets.redact(text));
  }

  /** A human result on stdout. */
  result(text: string): void {
    this.io.stdout.write(this.secrets.redact(text.endsWith("\n") ? text : `${text}\n`));
  }

  /** The single JSON document of a --json run. */
  writeJson(document: unknown): void {
    this.io.stdout.write(this.secrets.redact(`${JSON.stringify(document, null, 2)}\n`));
  }

  /**
   * Runs `work` under a label: a spinner when stderr is a terminal, a plain line when it finishes
   * otherwise. The label may be updated while the work runs.
   */
  async step<T>(label: string, work: (update: (text: string) => void) => Promise<T>): Promise<T> {
    if (this.json) return work(() => {});
    if (!this.io.stderr.isTTY) {
      let current = label;
      try {
        const value = await work((text) => (current = text));
        this.success(current);
        return value;
      } catch (error) {
        this.failure(current);
        throw error;
      }
    }
    const { default: ora } = await import("ora");
    const spinner = ora({ text: label, stream: this.io.stderr as NodeJS.WriteStream, color: this.options.color ? "cyan" : false });
    spinner.start();
    try {
      const value = await work((text) => (spinner.text = this.secrets.redact(text)));
      spinner.stopAndPersist({ symbol: this.style.green("✔") });
      return value;
    } catch (error) {
      spinner.stopAndPersist({ symbol: this.style.red("✖") });
      throw error;
    }
  }
}
