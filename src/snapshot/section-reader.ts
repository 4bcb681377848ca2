// In a snapshot worker: reads one end of the nodes and edges into the shared columns (see parallel-read.ts).
import { closeSync, openSync } from 'node:fs';
import { EdgeColumns, NodeColumns } from './columns.ts';
import { CancelledError } from '../common/errors.ts';
import { SnapshotFormatError } from './format.ts';
import { BackwardNumberReader, isDigit, NumberArrayReader } from './json-bytes.ts';
import { SectionControl, SectionJob, SectionResult } from './parallel-read.ts';
import { readAt } from './file-access.ts';

/** Longer than any number: enough to finish one cut at a block's end. */
const NUMBER_TAIL = 32;
const EDGES_OPENING = /^\s*,\s*"edges"\s*:\s*\[/;

/** Reads the job's end of the sections; says how it went (a worker's failures are data to the reading thread). */
export function readSections(job: SectionJob): SectionResult {
  const control = new SectionControl(job.control);
  const fd = openSync(job.path, 'r');
  const buf = Buffer.allocUnsafe(Math.max(control.blockBytes, 256) + NUMBER_TAIL);
  const nodes = new NodeColumns(job.nodeFields, job.nodes, true);
  const edges = new EdgeColumns(job.edgeFields, job.nodeFields.length, job.edges, true);

  function read(start: number, end: number): Buffer {
    if (control.cancelled) throw new CancelledError();
    const n = readAt(job.path, fd, buf, start, end - start);
    if (n < end - start) throw new SnapshotFormatError(`truncated at byte ${start + n}: the file ended while it was read`);
    control.addRead(job.role, n);
    return buf.subarray(0, n);
  }

  /** From the nodes' '[' to their ']', then on into the edges, block by block while the back worker has not taken them. */
  function front(): SectionResult {
    const nodeReader = new NumberArrayReader(nodes, 'nodes');
    let position = job.nodesOpen;
    let nodesEnd = -1;
    while (nodesEnd < 0) {
      const bytes = read(position, Math.min(position + control.blockBytes, job.edgesClose));
      if (bytes.length === 0) throw new SnapshotFormatError("'nodes' runs into the end of the edges");
      const past = nodeReader.read(bytes, 0, bytes.length, position);
      if (past >= 0) nodesEnd = position + past;
      position += bytes.length;
    }
    const head = read(nodesEnd, Math.min(nodesEnd + 256, job.edgesClose + 1));
    const opening = EDGES_OPENING.exec(head.toString('latin1'));
    if (!opening) throw new SnapshotFormatError(`expected the 'edges' section after 'nodes' at byte ${nodesEnd}`);
    const edgeReader = new NumberArrayReader(edges, 'edges', false, 0, true);
    let claim = control.frontClaim(nodesEnd + opening[0].length);
    let end = -1;
    while (claim) {
      const [start, stop] = claim;
      edgeReader.read(read(start, stop), 0, stop - start, start);
      end = stop;
      claim = control.frontClaim(null);
    }
    if (end >= 0) {
      // A number cut at the boundary began here, so it is ours: finish it from the bytes past it.
      const rest = read(end, Math.min(end + NUMBER_TAIL, job.edgesClose + 1));
      edgeReader.finishAt(rest, 0, rest.length);
    }
    return { ok: true, role: 'front', nodeNumbers: nodeReader.count, edgeNumbers: edgeReader.count, oversized: nodes.oversized };
  }

  /** From the edges' ']' backwards, block by block, until the '[' or the front worker's bytes. */
  function back(): SectionResult {
    const reader = new BackwardNumberReader(edges, 'edges', job.edgeCount * edges.width);
    let lowest = -1;
    for (let claim = control.backClaim(); claim; claim = control.backClaim()) {
      const [start, stop] = claim;
      lowest = start;
      if (!reader.read(read(start, stop), 0, stop - start, start)) break;
    }
    // A number open at the lowest byte read began before it, in the front worker's bytes, if a digit is there.
    const cut = !reader.reachedStart && lowest > 0 && isDigit(read(lowest - 1, lowest)[0]);
    reader.finish(cut);
    return { ok: true, role: 'back', nodeNumbers: 0, edgeNumbers: reader.count, oversized: [] };
  }

  function run(): SectionResult {
    try {
      return job.role === 'front' ? front() : back();
    } catch (error) {
      if (error instanceof CancelledError) return { ok: false, kind: 'cancelled', message: 'cancelled' };
      if (error instanceof SnapshotFormatError) return { ok: false, kind: 'input', message: error.message };
      return { ok: false, kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    } finally {
      closeSync(fd);
    }
  }

  return run();
}
