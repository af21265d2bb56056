/**
 * RFC 6902 JSON Patch over plain JSON values; the input is never mutated.
 *
 * Patches come from the internet (HEPData patchsets, files dropped on a web page), so the walk
 * reads and writes own properties only, and a pointer segment that names a key through which
 * an object's prototype is reached (`__proto__`, `constructor`, `prototype`) is refused before
 * anything is touched: no patch can change `Object.prototype` or any object's prototype.
 */
import { InputError } from '../errors.js';
import { jsonPatchSchema } from './schema.js';
import type { JsonPatch, JsonPatchOperation } from './spec.js';
import { zodToInputError } from './zod-errors.js';

/** Splits an RFC 6901 JSON pointer into unescaped tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

class PatchFailure extends Error {}

/** Keys that reach an object's prototype (or its constructor) when used as property names. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Refuses a pointer with a segment that could reach a prototype. */
function safeTokens(pointer: string, what: 'path' | 'from'): string[] {
  const tokens = parsePointer(pointer);
  for (const t of tokens) {
    if (PROTOTYPE_KEYS.has(t)) throw new PatchFailure(`${what} segment "${t}" is refused: it names a key that reaches an object's prototype`);
  }
  return tokens;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchFailure(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new PatchFailure(`index ${i} is out of range (array has ${length} items)`);
  return i;
}

/** Resolves the parent container of a pointer. */
function parentOf(doc: unknown, tokens: string[]): { parent: unknown; key: string } {
  let cur = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i];
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new PatchFailure(`path does not exist (no "${t}" at /${tokens.slice(0, i).join('/')})`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function get(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false)];
  if (isObject(parent) && Object.hasOwn(parent, key)) return parent[key];
  throw new PatchFailure('path does not exist');
}

function add(doc: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else if (isObject(parent)) Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
  else throw new PatchFailure('parent is not an object or array');
  return doc;
}

function remove(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) throw new PatchFailure('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false), 1);
  else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchFailure('path does not exist');
  return doc;
}

function applyOne(doc: unknown, op: JsonPatchOperation): unknown {
  const path = safeTokens(op.path, 'path');
  const from = op.op === 'move' || op.op === 'copy' ? safeTokens(op.from, 'from') : [];
  switch (op.op) {
    case 'add':
      return add(doc, path, structuredClone(op.value));
    case 'remove':
      return remove(doc, path);
    case 'replace':
      if (path.length === 0) return structuredClone(op.value);
      get(doc, path);
      return add(remove(doc, path), path, structuredClone(op.value));
    case 'move': {
      if (op.path.startsWith(`${op.from}/`)) throw new PatchFailure('cannot move a value into itself');
      const value = get(doc, from);
      return add(remove(doc, from), path, value);
    }
    case 'copy':
      return add(doc, path, structuredClone(get(doc, from)));
    case 'test':
      if (!deepEqual(get(doc, path), op.value)) throw new PatchFailure(`test failed: value differs from ${JSON.stringify(op.value).slice(0, 60)}`);
      return doc;
  }
}

/** Validates a JSON Patch document. */
export function parseJsonPatch(json: unknown, source = 'patch'): JsonPatch {
  if (!Array.isArray(json)) throw new InputError('patch', source, 'a JSON patch must be an array of operations');
  const r = jsonPatchSchema.safeParse(json);
  if (!r.success) throw zodToInputError(r.error, json, 'patch', source);
  return r.data as JsonPatch;
}

/**
 * Applies a JSON Patch to a deep copy of `doc`.
 *
 * @example
 * ```ts
 * applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }]); // { a: [1, 2] }
 * ```
 */
export function applyJsonPatch(doc: unknown, patch: JsonPatch, options: { source?: string } = {}): unknown {
  let out = structuredClone(doc);
  patch.forEach((op, i) => {
    try {
      out = applyOne(out, op);
    } catch (e) {
      if (!(e instanceof PatchFailure)) throw e;
      throw new InputError('patch', `${options.source ?? 'patch'}[${i}] (op "${op.op}" at "${op.path}")`, e.message);
    }
  });
  return out;
}
