/**
 * Assembling a workspace from parsed documents: JSON text to a document, JSON Patches and pyhf
 * patchset entries applied in order, validation and the measurement. No file system: the Node
 * loader (`./load.ts`, `diffinfer/node`) reads files and calls these; a web page calls them on
 * what the user dropped.
 */
import { InputError } from '../errors.js';
import { applyJsonPatch, parseJsonPatch } from './patch.js';
import { isPatchSet, parsePatchSet, selectPatch } from './patchset.js';
import type { Measurement, Workspace } from './spec.js';
import { parseWorkspace, selectMeasurement } from './validate.js';

/**
 * Parses JSON text; a syntax error is an `InputError` naming `label` (the file name, or `stdin`).
 *
 * @example
 * ```ts
 * parseJsonText('{"a": 1}', 'a.json'); // { a: 1 }
 * parseJsonText('{', 'a.json'); // throws InputError "a.json: invalid JSON: ..."
 * ```
 */
export function parseJsonText(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError('json', label, `invalid JSON: ${(e as Error).message}`);
  }
}

/** A parsed patch document: a JSON Patch, or a pyhf patchset with the entry to apply. */
export interface PatchDocument {
  /** The parsed JSON of the patch file. */
  readonly json: unknown;
  /** Where it came from (a file name), used in error places. */
  readonly label: string;
  /** The patchset entry (`metadata.name`) to apply; a patchset with one patch needs none. */
  readonly entry?: string;
}

/** The name of a patch in the workspace's source label: `file.json`, or `file.json:entry`. */
function patchName(p: PatchDocument): string {
  return p.entry === undefined ? p.label : `${p.label}:${p.entry}`;
}

/**
 * Applies JSON Patches and patchset entries to a parsed workspace document, in order. The
 * input is not modified.
 *
 * @example
 * ```ts
 * const doc = applyPatchDocuments(bkgOnly, [{ json: signalPatch, label: 'patch.json' }]);
 * ```
 */
export function applyPatchDocuments(doc: unknown, patches: readonly PatchDocument[]): unknown {
  let out = doc;
  for (const p of patches) {
    const patch = isPatchSet(p.json) ? selectPatch(parsePatchSet(p.json, p.label), p.entry, p.label) : parseJsonPatch(p.json, p.label);
    out = applyJsonPatch(out, patch, { source: p.label });
  }
  return out;
}

/**
 * A validated workspace and its measurement from a parsed document and patches. Error places
 * are prefixed by `label + patch + ...` when patches were applied (the place is then in the
 * patched document), and are bare JSON paths otherwise.
 *
 * @example
 * ```ts
 * const { workspace, measurement } = workspaceFromDocuments({ workspace: JSON.parse(text), label: 'BkgOnly.json' });
 * ```
 */
export function workspaceFromDocuments(options: {
  workspace: unknown;
  label: string;
  patches?: readonly PatchDocument[];
  measurement?: string;
}): { workspace: Workspace; measurement: Measurement } {
  const patches = options.patches ?? [];
  const doc = applyPatchDocuments(options.workspace, patches);
  const source = patches.length ? [options.label, ...patches.map(patchName)].join(' + ') : undefined;
  const workspace = parseWorkspace(doc, { source });
  return { workspace, measurement: selectMeasurement(workspace, options.measurement) };
}
