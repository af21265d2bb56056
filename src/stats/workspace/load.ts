/** Reading workspaces and patches from files (or stdin) and applying them. */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { applyJsonPatch, parseJsonPatch } from './patch.js';
import { isPatchSet, parsePatchSet, selectPatch } from './patchset.js';
import type { Measurement, Workspace } from './spec.js';
import { parseWorkspace, selectMeasurement } from './validate.js';

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
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError('json', label, `invalid JSON: ${(e as Error).message}`);
  }
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
  let doc = readJsonFile(options.workspace);
  const applied: string[] = [];
  for (const arg of options.patches ?? []) {
    const { file, name } = splitPatchArg(arg);
    const json = readJsonFile(file);
    const label = basename(file);
    const patch = isPatchSet(json) ? selectPatch(parsePatchSet(json, label), name, label) : parseJsonPatch(json, label);
    doc = applyJsonPatch(doc, patch, { source: label });
    applied.push(basename(arg));
  }
  const source = applied.length ? [options.workspace === '-' ? 'stdin' : basename(options.workspace), ...applied].join(' + ') : undefined;
  const workspace = parseWorkspace(doc, { source });
  return { workspace, measurement: selectMeasurement(workspace, options.measurement) };
}
