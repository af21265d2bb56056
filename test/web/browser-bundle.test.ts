/**
 * The browser entry points import no Node module: the statistics barrel (`diffinfer/stats`,
 * every export kept), the training entry (`diffinfer/browser`: trainer, MLP, optimisers, data,
 * fill, methods, config compilation; with the neos and INFERNO problem builders) and the web
 * page's entries (page, analysis worker, training worker) are bundled for the browser with
 * Vite's build API, and the check fails when
 * - a module resolves an import to a Node builtin (`node:fs`, or a bare `fs` that Vite would
 *   replace by its "externalized for browser compatibility" stub), or
 * - the emitted code holds an `import ... "node:..."`, `import("node:...")` or a
 *   `require("<builtin>")`.
 * The same bundling of `src/node.ts` (which reads files) is the control: it must be caught; so
 * must the Node halves of the trainer, the MLP and the config compiler (the *-node.ts files).
 */
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, type Plugin, type Rolldown } from 'vite';

const repo = join(import.meta.dirname, '..', '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

interface BuiltinImport {
  readonly source: string;
  readonly importer: string;
}

/** Marks imports that reach a Node builtin as external (so they stay visible in the output) and records them. */
function builtinImports(found: BuiltinImport[]): Plugin {
  return {
    name: 'record-node-builtins',
    enforce: 'pre',
    async resolveId(source, importer) {
      const record = () => {
        found.push({ source, importer: (importer ?? '').replace(`${repo}/`, '') });
        return { id: source, external: true };
      };
      if (source.startsWith('node:')) return record();
      if (!BUILTINS.has(source) && !BUILTINS.has(source.split('/')[0])) return null;
      // A bare builtin name: a package may map it away for browsers ("browser": {"crypto": false}),
      // which Vite resolves to its empty module; anything else reaching a builtin is recorded.
      const r = await this.resolve(source, importer, { skipSelf: true });
      if (r && r.id === '__vite-browser-external') return r;
      return record();
    },
  };
}

/** Node builtin imports and requires in emitted JavaScript. */
export function builtinReferences(code: string): string[] {
  const names = [...BUILTINS].map((m) => m.replace(/[/]/g, '\\/')).join('|');
  const patterns = [
    /\bfrom\s*["'](node:[^"']+)["']/g,
    /\bimport\s*["'](node:[^"']+)["']/g,
    /\bimport\s*\(\s*["'](node:[^"']+)["']\s*\)/g,
    new RegExp(`\\brequire\\s*\\(\\s*["'](${names})["']\\s*\\)`, 'g'),
  ];
  return patterns.flatMap((re) => [...code.matchAll(re)].map((m) => m[0]));
}

/**
 * The one Node reference a browser bundle with tfjs's wasm backend holds: the source of
 * emscripten's pthread worker, which tfjs-backend-wasm inlines as a string and which requires
 * `worker_threads` and `fs` only under `if (ENVIRONMENT_IS_NODE)` (when it runs in Node).
 */
const EMSCRIPTEN_NODE_BRANCH = /if\(ENVIRONMENT_IS_NODE\)\{var nodeWorkerThreads=require\("worker_threads"\);var parentPort=nodeWorkerThreads\.parentPort;parentPort\.on\("message",data=>onmessage\(\{data:data\}\)\);var fs=require\("fs"\);/g;

/** The code without {@link EMSCRIPTEN_NODE_BRANCH}, and how many times it was there. */
function withoutEmscriptenNodeBranch(code: string): { code: string; branches: number } {
  return { code: code.replace(EMSCRIPTEN_NODE_BRANCH, ''), branches: [...code.matchAll(EMSCRIPTEN_NODE_BRANCH)].length };
}

/** Bundles `inputs` for the browser in memory; returns the emitted chunks and the builtin imports met. */
async function bundle(inputs: Record<string, string>): Promise<{ chunks: Rolldown.OutputChunk[]; found: BuiltinImport[] }> {
  const found: BuiltinImport[] = [];
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    root: join(repo, 'web'),
    plugins: [builtinImports(found)],
    worker: { format: 'es', plugins: () => [builtinImports(found)] },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      rolldownOptions: { input: inputs, preserveEntrySignatures: 'strict' },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((c): c is Rolldown.OutputChunk => c.type === 'chunk');
  // Workers are emitted as assets of the page's build: check their code too.
  const workerAssets = outputs
    .flatMap((o) => o.output)
    .filter((a): a is Rolldown.OutputAsset => a.type === 'asset' && a.fileName.endsWith('.js'))
    .map((a) => ({ type: 'chunk', fileName: a.fileName, code: String(a.source) }) as Rolldown.OutputChunk);
  return { chunks: [...chunks, ...workerAssets], found };
}

describe('browser bundle', () => {
  it('diffinfer/stats and the web page (page and its workers) import no Node module', async () => {
    const { chunks, found } = await bundle({
      stats: join(repo, 'src/stats/index.ts'),
      page: join(repo, 'web/index.html'),
      worker: join(repo, 'web/src/worker.ts'),
    });
    expect(found).toEqual([]);
    const { code, branches } = withoutEmscriptenNodeBranch(chunks.map((c) => c.code).join('\n'));
    expect(branches).toBe(1); // the training worker's wasm backend
    expect(builtinReferences(code)).toEqual([]);
    // The bundle is the real one: the engine (its fit) and the page's worker client are in it.
    expect(code).toContain('bounded Newton');
    expect(code).toContain('diffinfer-analysis');
  });

  it('the training entry (diffinfer/browser), the neos and INFERNO builders and the training worker import no Node module', async () => {
    const { chunks, found } = await bundle({
      browser: join(repo, 'src/browser.ts'),
      neos: join(repo, 'experiments/neos/problem.ts'),
      inferno: join(repo, 'experiments/inferno/benchmarks.ts'),
      training: join(repo, 'web/src/training-worker.ts'),
    });
    expect(found).toEqual([]);
    const { code, branches } = withoutEmscriptenNodeBranch(chunks.map((c) => c.code).join('\n'));
    expect(branches).toBe(1);
    expect(builtinReferences(code)).toEqual([]);
    // The real pieces are in it: the trainer's checkpoints, the MLP's files, the config compiler, the wasm backend.
    expect(code).toContain('diffinfer-checkpoint');
    expect(code).toContain('diffinfer-mlp');
    expect(code).toContain('reads files, which needs a file reader');
    expect(code).toContain('tfjs-backend-wasm-simd.wasm');
  });

  it('catches the Node halves of the trainer, the MLP and the config compiler (control)', async () => {
    const { found } = await bundle({ trainer: join(repo, 'src/models/trainer-node.ts'), mlp: join(repo, 'src/models/mlp-node.ts') });
    const importers = [...new Set(found.map((f) => f.importer))];
    for (const f of ['src/models/trainer-node.ts', 'src/models/mlp-node.ts', 'src/stats/io.ts']) expect(importers).toContain(f);
    // The config's file reader does not even bundle: hyparquet's browser build has no file access.
    await expect(bundle({ compile: join(repo, 'src/models/config/compile-node.ts') })).rejects.toThrow(/asyncBufferFromFile/);
  });

  it('catches the Node pieces (control: src/node.ts reads files)', async () => {
    const { chunks, found } = await bundle({ node: join(repo, 'src/node.ts') });
    expect(found.map((f) => `${f.importer} -> ${f.source}`).sort()).toEqual([
      'src/stats/io.ts -> node:fs',
      'src/stats/io.ts -> node:path',
      'src/stats/workspace/load.ts -> node:fs',
      'src/stats/workspace/load.ts -> node:path',
    ]);
    expect(builtinReferences(chunks.map((c) => c.code).join('\n')).sort()).toEqual(['from "node:fs"', 'from "node:path"']);
  });

  it('builtinReferences finds imports and requires, not object keys', () => {
    expect(builtinReferences('import{a}from"node:fs";const x={node:cd};require("path");require("./fs");import("node:os")')).toEqual([
      'from"node:fs"',
      'import("node:os")',
      'require("path")',
    ]);
  });
});
