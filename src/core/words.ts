/** "1 connection", "2 connections": English plurals by Intl.PluralRules, no library. */
const rules = new Intl.PluralRules("en");

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${rules.select(count) === "one" ? noun : pluralNoun}`;
}
