/**
 * Reading workspaces and patches from files (or stdin): the Node half of workspace loading
 * (`node:fs`). The pure half, which applies patches to parsed documents, is `./assemble.ts`;
 * this module is exported by `diffinfer/node`, not by the browser-safe `diffinfer/stats`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { parseJsonText, workspaceFromDocuments, type PatchDocument } from './assemble.js';
import type { Measurement, Workspace } from './spec.js';

/** Reads and parses a JSON file; `-` reads stdin. */
export function readJsonFile(path: string): unknown {
  const label = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('io', label, 'no such file');
    if (code === 'EISDIR') throw new InputError('io', label, 'is a directory, expected a JSON file');
    throw new InputError('io', label, `cannot read: ${(e as Error).message}`);
  }
  return parseJsonText(text, label);
}

/** Splits `file.json:name` (a patchset entry) from a plain patch file. */
function splitPatchArg(arg: string): { file: string; name?: string } {
  if (existsSync(arg)) return { file: arg };
  const i = arg.lastIndexOf(':');
  if (i > 0) return { file: arg.slice(0, i), name: arg.slice(i + 1) };
  return { file: arg };
}

/**
 * Loads a workspace, applies patches in order (JSON Patch files, or pyhf patchset entries as
 * `file.json:name`), validates the result and picks the measurement.
 *
 * @example
 * ```ts
 * const { workspace, measurement } = loadWorkspace({ workspace: 'BkgOnly.json', patches: ['patch.json'] });
 * ```
 */
export function loadWorkspace(options: { workspace: string; patches?: readonly string[]; measurement?: string }): {
  workspace: Workspace;
  measurement: Measurement;
} {
  const doc = readJsonFile(options.workspace);
  const patches: PatchDocument[] = (options.patches ?? []).map((arg) => {
    const { file, name } = splitPatchArg(arg);
    return { json: readJsonFile(file), label: basename(file), entry: name };
  });
  return workspaceFromDocuments({
    workspace: doc,
    label: options.workspace === '-' ? 'stdin' : basename(options.workspace),
    patches,
    measurement: options.measurement,
  });
}
