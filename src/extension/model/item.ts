import type { SourceRef } from '../../analysis/report.ts';

/**
 * A row of a Leakscope tree, built in plain Node from analysis results; the tree views only
 * render it. Labels and tooltips are plain text (heap strings land here; nothing interprets them).
 */
export interface Item {
  /** Unique in its tree and stable across refreshes, so rows can be revealed and stay expanded. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon id. */
  icon?: string;
  /** Clicking the row opens this place. */
  location?: SourceRef | null;
  /** The file on disk the row stands for (a snapshot). */
  file?: string;
  /** Menus match on this (`view/item/context`). */
  contextValue?: string;
  children?: Item[];
  /** Children fetched on first expand (from the analysis worker). */
  expand?: () => Promise<Item[]>;
  expanded?: boolean;
}
