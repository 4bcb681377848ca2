import { snapshotLabel } from '../../present/snapshots.ts';
import { formatBytes } from '../../present/units.ts';
import type { WatchedProcess } from '../watched-process.ts';
import { Item } from './item.ts';

function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

/**
 * Snapshots: per watched process, newest process first, what of the watch turned itself off
 * (said here for as long as the process is listed), then each snapshot with its time and size.
 */
export function snapshotItems(processes: readonly WatchedProcess[]): Item[] {
  return [...processes]
    .reverse()
    .filter((p) => p.snapshots.length > 0 || p.endedBecause === null)
    .map((p) => ({
      // A row first shown without children stays collapsed under its id: a new id once it has some.
      id: `process/${p.key}/${p.snapshots.length + p.target.notes.length > 0 ? 'snapshots' : 'none'}`,
      label: p.name,
      description: p.endedBecause === null ? 'watching' : 'ended',
      icon: p.endedBecause === null ? 'debug-alt' : 'debug-stop',
      expanded: true,
      contextValue: p.endedBecause === null ? 'process' : 'endedProcess',
      children: [
        ...p.target.notes.map((note, k) => ({ id: `process/${p.key}/note/${k}`, label: note, tooltip: note, icon: 'warning' })),
        ...p.snapshots.map((s) => ({
        id: `snapshot/${s.file}`,
        label: `${snapshotLabel(s.seq)}  ${clock(s.takenAt)}`,
        description: `${formatBytes(s.bytes)}${s.idsRestarted ? ' · ids restarted' : ''}`,
        tooltip: s.file,
        icon: 'file-binary',
        file: s.file,
        contextValue: 'snapshot',
      })),
      ],
    }));
}
