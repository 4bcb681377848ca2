import type { ObjectRow } from '../../analysis/report.ts';
import { formatBytes, formatCount } from '../../present/units.ts';
import { Findings } from './findings.ts';
import { shortPlace } from '../../present/places.ts';
import { Item } from './item.ts';

/** Questions the analysis worker answers about the newest snapshot. */
export interface HeapQueries {
  objects(className: string): Promise<ObjectRow[]>;
  children(nodeId: number): Promise<ObjectRow[]>;
}

/** Top Retainers: classes by retained size, then their biggest objects, then what each one alone keeps alive. */
export function retainerItems(findings: Findings | null, queries: HeapQueries): Item[] {
  if (!findings) return [];
  return findings.report.top.map((c) => ({
    id: `${findings.key}/class/${c.name}`,
    label: c.name || '(anonymous)',
    description: `${formatBytes(c.retainedBytes)} · ${formatCount(c.count)} objects`,
    tooltip: `${c.name}\n${formatCount(c.count)} objects, ${formatBytes(c.shallowBytes)} shallow, ${formatBytes(c.retainedBytes)} retained`,
    icon: 'symbol-class',
    contextValue: 'class',
    expand: async () => (await queries.objects(c.name)).map((row) => objectItem(`${findings.key}/class/${c.name}`, row, queries)),
  }));
}

function objectItem(parent: string, row: ObjectRow, queries: HeapQueries): Item {
  const id = `${parent}/${row.nodeId}`;
  const path = row.retainerPath.join(' → ');
  return {
    id,
    label: `${row.label} @${row.nodeId}`,
    description: `${formatBytes(row.retainedBytes)}${row.location ? ` · ${shortPlace(row.location)}` : ''}`,
    tooltip: `${row.label}\nretained ${formatBytes(row.retainedBytes)}, shallow ${formatBytes(row.shallowBytes)}\n${path}`,
    icon: 'symbol-object',
    location: row.location,
    contextValue: 'object',
    // An object that retains no more than itself dominates nothing.
    expand: row.retainedBytes > row.shallowBytes ? async () => (await queries.children(row.nodeId)).map((child) => objectItem(id, child, queries)) : undefined,
  };
}
