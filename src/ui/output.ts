import { Chalk, type ChalkInstance } from "chalk";
import { symbolsFor, type Symbols } from "../platform.js";
import type { Io, TerminalStream } from "./io.js";
import type { SecretRegistry } from "./redact.js";
import { terminalSafe } from "./terminal-safe.js";
import { wrapLine, wrapText } from "./wrap.js";
import { setActiveSpinner } from "./active-spinner.js";

export interface OutputOptions {
  json: boolean;
  color: boolean;
  /** Whether the terminal can show ✔ and friends (see platform.ts). */
  unicode?: boolean;
}

/** Terminals that report 0 or no columns (bare container exec, `script` with no parent terminal) get 80. */
const FALLBACK_COLUMNS = 80;

function usableColumns(stream: TerminalStream): number {
  const columns = stream.columns;
  return typeof columns === "number" && Number.isFinite(columns) && columns > 0 ? columns : FALLBACK_COLUMNS;
}

/** Text for a terminal is wrapped to its width; text for a pipe or a file is left as it is, one line per line. */
function fitted(stream: TerminalStream, text: string): string {
  return stream.isTTY ? wrapText(text, usableColumns(stream)) : text;
}

/**
 * ora divides by the stream's width, so a terminal that reports 0 columns would make it clear lines
 * forever. The real stream gets a usable width, and only when it reports none: ora must be handed the
 * real stream itself, because it hooks the `write` of the stream it is given and puts the original
 * back when the spinner stops (a wrapper made every spinner leave one more hook behind).
 */
function giveUsableColumns(stream: TerminalStream): void {
  if (stream.columns !== usableColumns(stream)) stream.columns = FALLBACK_COLUMNS;
}

/** A step's new label; "note" ends the step with the note mark instead of a success. */
export type StepUpdate = (text: string, as?: "note") => void;

/**
 * All printing goes through here: chatter and spinners to stderr (silent with --json), results to
 * stdout. Every byte passes the secret registry, and human text passes the terminal-safe filter.
 * JSON is redacted value by value before it is serialised.
 */
/** The streams that have had their run's JSON document: a later failure must not add a second one. */
const documentWritten = new WeakSet<NodeJS.WritableStream>();

export class Output {
  readonly style: ChalkInstance;
  readonly symbols: Symbols;

  constructor(
    private readonly io: Io,
    private readonly secrets: SecretRegistry,
    readonly options: OutputOptions,
  ) {
    this.style = new Chalk({ level: options.color ? 1 : 0 });
    this.symbols = symbolsFor(options.unicode ?? true);
  }

  get json(): boolean {
    return this.options.json;
  }

  /** Human chatter on stderr; nothing in JSON mode, where stdout carries the whole story. */
  info(message = ""): void {
    if (!this.json) this.writeErr(`${message}\n`);
  }

  success(message: string): void {
    this.info(`${this.style.green(this.symbols.pass)} ${message}`);
  }

  warn(message: string): void {
    this.info(`${this.style.yellow(this.symbols.warn)} ${message}`);
  }

  failure(message: string): void {
    this.info(`${this.style.red(this.symbols.fail)} ${message}`);
  }

  /** Something handled on the person's behalf: not a success, not a problem. */
  note(message: string): void {
    this.info(`${this.style.blue(this.symbols.info)} ${message}`);
  }

  /** Error text is printed even in JSON mode only by the top-level handler, via `writeErr`. */
  writeErr(text: string): void {
    this.io.stderr.write(fitted(this.io.stderr, this.human(text)));
  }

  /** A human result on stdout. */
  result(text: string): void {
    this.io.stdout.write(fitted(this.io.stdout, this.human(text.endsWith("\n") ? text : `${text}\n`)));
  }

  /** The single JSON document of a --json run. */
  writeJson(document: unknown): void {
    this.io.stdout.write(`${JSON.stringify(this.secrets.redactValue(document), null, 2)}\n`);
    documentWritten.add(this.io.stdout);
  }

  /**
   * The one way a secret reaches the screen: `status --reveal`, asked for by name. Written past the
   * secret registry on purpose; still made terminal-safe for people.
   */
  revealed(result: { text: string; document: unknown }): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(result.document, null, 2)}\n`);
      documentWritten.add(this.io.stdout);
    } else {
      this.io.stdout.write(`${terminalSafe(result.text)}\n`);
    }
  }

  /**
   * A terminal's clipboard sequence (OSC 52), asked for by the person: written past the secret registry
   * and the terminal-safe filter on purpose, to the terminal the prompts are on, and only there.
   */
  /** Whether the sequence went to a terminal: never to a file or pipe, where it would leave the value in a log. */
  terminalClipboard(sequence: string): boolean {
    if (this.io.stderr.isTTY) this.io.stderr.write(sequence);
    return Boolean(this.io.stderr.isTTY);
  }

  /** Whether this run's stdout already has its JSON document. */
  get documentWritten(): boolean {
    return documentWritten.has(this.io.stdout);
  }

  /**
   * Like `step` for work made of many parts: a line that counts them as they finish ("Checking 37
   * of 200 connections"), rewritten in place on a terminal, where a spinner would say too little.
   * Elsewhere only the finished line is printed.
   */
  async counting<T>(
    label: (done: number) => string,
    finished: string | ((value: T) => { text: string; failed: boolean }),
    work: (tick: () => void) => Promise<T>,
  ): Promise<T> {
    // The last line says what the work came to: a failure among the parts is never ticked.
    const end = (value: T) => {
      const { text, failed } = typeof finished === "string" ? { text: finished, failed: false } : finished(value);
      (failed ? this.failure : this.success).call(this, this.lastWords(text));
    };
    if (this.json) return work(() => undefined);
    let done = 0;
    if (!this.io.stderr.isTTY) {
      try {
        const value = await work(() => (done += 1));
        end(value);
        return value;
      } catch (error) {
        this.failure(label(done));
        throw error;
      }
    }
    // Our own control bytes around our own words: back to the line's start, and clear it.
    const redraw = () => this.io.stderr.write(`\r\x1b[2K${this.human(label(done))}`);
    const clear = () => this.io.stderr.write("\r\x1b[2K");
    redraw();
    setActiveSpinner(clear);
    try {
      const value = await work(() => {
        done += 1;
        redraw();
      });
      clear();
      end(value);
      return value;
    } catch (error) {
      clear();
      this.failure(this.lastWords(label(done)));
      throw error;
    } finally {
      setActiveSpinner(undefined);
    }
  }

  /** A finished step's words, wrapped like other prose under its one-column mark. */
  private lastWords(text: string): string {
    return wrapLine(`${this.symbols.bullet} ${text}`, usableColumns(this.io.stderr)).slice(this.symbols.bullet.length + 1);
  }

  private human(text: string): string {
    return terminalSafe(this.secrets.redact(text));
  }

  /**
   * Runs `work` under a label: a spinner when stderr is a terminal, a plain line when it finishes
   * otherwise. The label may be updated while the work runs. `work` is started only once the
   * spinner is ready, so no promise of it waits without a handler. An update may say that the
   * step ends as a note (something handled) rather than a plain success.
   */
  async step<T>(label: string, work: (update: StepUpdate) => Promise<T>): Promise<T> {
    if (this.json) return work(() => {});
    let ending = "pass" as "pass" | "note";
    const mark = (text: string, as?: "note") => {
      if (as) ending = as;
      return text;
    };
    if (!this.io.stderr.isTTY) {
      let current = label;
      try {
        const value = await work((text, as) => (current = mark(text, as)));
        if (ending === "note") this.note(current);
        else this.success(current);
        return value;
      } catch (error) {
        this.failure(current);
        throw error;
      }
    }
    const { default: ora } = await import("ora");
    giveUsableColumns(this.io.stderr);
    const spinner = ora({
      text: this.human(label),
      stream: this.io.stderr as NodeJS.WriteStream,
      color: this.options.color ? "cyan" : false,
    });
    spinner.start();
    setActiveSpinner(() => spinner.stop());
    try {
      const value = await work((text, as) => (spinner.text = this.human(mark(text, as))));
      spinner.stopAndPersist({
        symbol: ending === "note" ? this.style.blue(this.symbols.info) : this.style.green(this.symbols.pass),
        text: this.lastWords(spinner.text),
      });
      return value;
    } catch (error) {
      spinner.stopAndPersist({ symbol: this.style.red(this.symbols.fail), text: this.lastWords(spinner.text) });
      throw error;
    } finally {
      setActiveSpinner(undefined);
    }
  }
}
