/** The page's side of the analysis worker: typed requests as promises, timed round trips. */
import type { FailureReport, Op, ReplyMessage, RequestMessage, Requests } from './protocol.js';

/** A reply's value and how long it took: the worker's own time and the page's round trip. */
export interface Timed<T> {
  readonly value: T;
  /** performance.now() in the page from posting the request to receiving the reply. */
  readonly roundTripMs: number;
  /** performance.now() in the worker around the computation. */
  readonly workerMs: number;
}

/** A request that failed in the worker (bad input, a failed computation) or was cancelled. */
export class RequestFailure extends Error {
  constructor(readonly report: FailureReport | { kind: 'cancelled'; line: string }) {
    super(report.line);
  }
}

interface Pending {
  resolve(t: Timed<unknown>): void;
  reject(e: RequestFailure): void;
  t0: number;
}

export class AnalysisClient {
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor() {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'diffinfer-analysis' });
    w.onmessage = (e: MessageEvent<ReplyMessage>) => {
      const t1 = performance.now();
      const r = e.data;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve({ value: r.value, roundTripMs: t1 - p.t0, workerMs: r.workerMs });
      else p.reject(new RequestFailure(r.failure));
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.failAll(`diffinfer: internal error: the analysis worker failed: ${e.message}`);
    };
    return w;
  }

  private failAll(line: string, kind: 'internal' | 'cancelled' = 'internal'): void {
    for (const p of this.pending.values()) p.reject(new RequestFailure({ kind, line }));
    this.pending.clear();
  }

  /** True while a request is running or queued. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Sends a request; the promise rejects with a {@link RequestFailure}. */
  request<K extends Op>(op: K, args: Requests[K]['args']): Promise<Timed<Requests[K]['value']>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'], reject, t0: performance.now() });
      const msg: RequestMessage<K> = { id, op, args };
      this.worker.postMessage(msg);
    });
  }

  /** Stops whatever the worker is doing (a new workspace replaces a long limit scan). */
  cancel(): void {
    if (!this.busy) return;
    this.worker.terminate();
    this.failAll('cancelled', 'cancelled');
    this.worker = this.spawn();
  }
}
