/**
 * Heap strings as Markdown text: every character Markdown or HTML could read as syntax is
 * escaped, so a property name like `<img onerror=…>` or `[x](command:…)` shows as itself.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&~"'=:]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\r?\n/g, ' ');
}

/**
 * Heap strings in a notification, which shows plain text but makes `[text](command:…)` a
 * link: the link syntax is broken, the rest shows as itself.
 */
export function notificationText(text: string): string {
  return text.replace(/\]\(/g, '] (').replace(/\r?\n/g, ' ');
}
