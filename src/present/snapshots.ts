// How a process's snapshot is named in the editor (Snapshots rows, the chart's markers): by the
// order it was taken in, which stays its own when earlier ones are deleted.
export function snapshotLabel(seq: number): string {
  return `#${seq}`;
}
