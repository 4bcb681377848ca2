import type { ProcessInfo } from '../../inspector/proc.ts';

/** A row of "Attach to Node Process…": the process's name, its pid, its command line. */
export interface ProcessPick {
  label: string;
  description: string;
  detail: string;
  pid: number;
}

/**
 * A quick pick shows `$(name)` in a label as an icon; a backslash before it keeps it text, as a
 * command line must stay (any program may put anything in its arguments). A control character
 * would break the row: it shows as a space.
 */
export function plainPickText(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ').replace(/\$\(/g, '\\$(');
}

export function processPick(info: ProcessInfo): ProcessPick {
  return { label: plainPickText(info.name), description: `pid ${info.pid}`, detail: plainPickText(info.argv.join(' ')), pid: info.pid };
}
