import { CliError, ExitCode } from "../errors.js";
import { interrupted } from "../journal.js";
import type { Io } from "./io.js";
import type { SecretRegistry } from "./redact.js";
import { shown } from "./terminal-safe.js";

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/** What commands may ask a person. Injected, so tests and scripted runs never reach a real prompt. */
export interface Prompter {
  select<T>(message: string, choices: Choice<T>[]): Promise<T>;
  /** A list filtered as the user types: for long lists such as big accounts' servers. */
  search<T>(message: string, choices: Choice<T>[]): Promise<T>;
  input(message: string, options?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
  /** Masked input; the answer is registered as a secret before it is returned. */
  password(message: string, options?: { validate?: (value: string) => true | string }): Promise<string>;
  confirm(message: string, defaultAnswer?: boolean): Promise<boolean>;
}

const SEARCH_PAGE_SIZE = 12;

/** Names in lists come from outside (server and stream names): shown, never obeyed, by the terminal. */
function safeChoice<T>(choice: Choice<T>): Choice<T> {
  return { ...choice, name: shown(choice.name), ...(choice.description === undefined ? {} : { description: shown(choice.description) }) };
}

/** A validator for answers that may not be empty. */
export function required(what: string): (value: string) => true | string {
  return (value) => (value.trim() === "" ? `Paste the ${what}, or press Ctrl-C to stop.` : true);
}

export function createPrompter(io: Io, secrets: SecretRegistry, interactive: boolean): Prompter {
  // Prompts draw on stderr: stdout is for results only.
  const context = { input: io.stdin, output: io.stderr };
  // An answered question keeps its "?": Inquirer's tick would mark an answer accepted before anyone checked it
  // (a token Postmark then rejects). Ticks are for what the tool proved.
  const theme = { prefix: { done: "?" } };

  // Each prompt is its own small package, loaded when first asked: scripted runs never load one.
  async function ask<T>(run: () => Promise<T>): Promise<T> {
    if (!interactive) {
      // Commands name missing inputs before they would prompt; reaching here is a bug, not a user error.
      throw new CliError("prompt_unavailable", "This run cannot ask questions (no terminal, --no-input, --json or CI).", {
        exitCode: ExitCode.usage,
      });
    }
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error && (error.name === "ExitPromptError" || error.name === "AbortPromptError")) {
        throw interrupted();
      }
      throw error;
    }
  }

  return {
    select: (message, choices) =>
      ask(async () => {
        const { default: select } = await import("@inquirer/select");
        return select({ message, choices: choices.map(safeChoice), pageSize: SEARCH_PAGE_SIZE, theme }, context);
      }),
    search: (message, given) => {
      const choices = given.map(safeChoice);
      return ask(async () => {
        const { default: search } = await import("@inquirer/search");
        return search(
          {
            message,
            pageSize: SEARCH_PAGE_SIZE,
            theme,
            source: (term) => {
              const needle = (term ?? "").trim().toLowerCase();
              return needle === ""
                ? choices
                : choices.filter((choice) => `${choice.name} ${choice.description ?? ""}`.toLowerCase().includes(needle));
            },
          },
          context,
        );
      });
    },
    input: (message, options = {}) =>
      ask(async () => {
        const { default: input } = await import("@inquirer/input");
        return (await input({ message, default: options.default, validate: options.validate, theme }, context)).trim();
      }),
    password: (message, options = {}) =>
      ask(async () => {
        const { default: password } = await import("@inquirer/password");
        const value = (await password({ message, mask: "•", validate: options.validate, theme }, context)).trim();
        secrets.add(value);
        return value;
      }),
    confirm: (message, defaultAnswer = false) =>
      ask(async () => {
        const { default: confirm } = await import("@inquirer/confirm");
        return confirm({ message, default: defaultAnswer, theme }, context);
      }),
  };
}
