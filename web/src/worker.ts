/**
 * The analysis worker: holds the loaded workspace and runs the statistics off the page's main
 * thread. One request at a time, answered in order; a request's reply carries its value or the
 * CLI's error line, and the time it took here.
 *
 * At start the worker fits a small workspace with every common modifier type once
 * ({@link warmUp}), so the engine's code is compiled before the page's first request: the first
 * fit of a workspace the user loads runs at the speed of a refit.
 */
import { isPatchSet, parseJsonText, parsePatchSet } from '../../src/stats/index.js';
import { WorkspaceAnalysis } from './analysis.js';
import { warmUp } from './warm-up.js';
import { failureReport, type Op, type PatchKind, type ReplyMessage, type RequestMessage, type Requests } from './protocol.js';

let current: WorkspaceAnalysis | undefined;

function loaded(): WorkspaceAnalysis {
  if (!current) throw new Error('no workspace is loaded');
  return current;
}

type Handlers = { [K in Op]: (args: Requests[K]['args']) => Requests[K]['value'] };

const handlers: Handlers = {
  inspectPatch: ({ file }): PatchKind => {
    const json = parseJsonText(file.text, file.label);
    if (!isPatchSet(json)) return { kind: 'patch' };
    return { kind: 'patchset', entries: parsePatchSet(json, file.label).patches.map((p) => p.metadata.name) };
  },
  load: ({ input }) => {
    current = undefined;
    current = WorkspaceAnalysis.load(input);
    return current.summary;
  },
  fit: () => loaded().fit(),
  cls: ({ mu, testStat }) => loaded().cls(mu, testStat),
  limit: ({ testStat, level }) => loaded().upperLimits(testStat, level),
  scan: ({ testStat, level, range }) => loaded().scan(testStat, level, range),
};

try {
  warmUp();
} catch {
  // a failed warm-up only costs time: the page's requests report their own errors
}

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<RequestMessage>) => void) | null; postMessage(m: ReplyMessage): void };

scope.onmessage = (e) => {
  const { id, op, args } = e.data;
  const t0 = performance.now();
  let reply: ReplyMessage;
  try {
    const value = (handlers[op] as (a: typeof args) => unknown)(args);
    reply = { id, ok: true, value, workerMs: performance.now() - t0 };
  } catch (err) {
    reply = { id, ok: false, failure: failureReport(err), workerMs: performance.now() - t0 };
  }
  scope.postMessage(reply);
};
