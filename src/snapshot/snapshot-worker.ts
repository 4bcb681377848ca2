// A snapshot worker: one job on the other core, then it exits. Reading one end of a big
// file's nodes and edges (section-reader.ts), or building part of a big graph (graph-helper.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { GraphJob, runGraphJob } from './graph-helper.ts';
import type { SectionJob } from './parallel-read.ts';
import { readSections } from './section-reader.ts';

const job = workerData as SectionJob | GraphJob;
const port = parentPort!;
port.postMessage(job.kind === 'graph' ? runGraphJob(job) : readSections(job));
