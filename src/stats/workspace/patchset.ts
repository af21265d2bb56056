/** pyhf patchsets: named JSON patches (e.g. one per signal mass point). */
import { InputError } from '../errors.js';
import { patchSetSchema } from './schema.js';
import type { JsonPatch, PatchSet } from './spec.js';
import { zodToInputError } from './zod-errors.js';

/** True when `json` looks like a pyhf patchset (an object with `patches` and `metadata`). */
export function isPatchSet(json: unknown): boolean {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && 'patches' in json && 'metadata' in json;
}

/** Validates a pyhf patchset. */
export function parsePatchSet(json: unknown, source = 'patchset'): PatchSet {
  const r = patchSetSchema.safeParse(json);
  if (!r.success) throw zodToInputError(r.error, json, 'patch', source);
  return r.data as PatchSet;
}

/**
 * The patch called `name` in a patchset; without a name, the only patch.
 * (Digests are not verified: diffinfer does not reproduce pyhf's canonical hashing.)
 */
export function selectPatch(ps: PatchSet, name: string | undefined, source = 'patchset'): JsonPatch {
  const names = ps.patches.map((p) => p.metadata.name);
  if (name === undefined) {
    if (ps.patches.length === 1) return ps.patches[0].patch;
    throw new InputError('patch', source, `holds ${names.length} patches; name one as ${source}:NAME (available: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`);
  }
  const p = ps.patches.find((x) => x.metadata.name === name);
  if (!p) throw new InputError('patch', source, `no patch "${name}" (available: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`);
  return p.patch;
}
