/** Turns the first zod issue into one line: `<json path> (<context>): <problem>`. */
import type { z } from 'zod';
import { formatPath, InputError, type InputErrorKind } from '../errors.js';
import { WORKSPACE_KEYS } from './schema.js';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (v === undefined) return 'nothing';
  return typeof v;
}

function at(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
}

/** Adds ` (type "name")` after the path of a modifier, and ` ("name")` after other named objects. */
function label(root: unknown, path: ReadonlyArray<PropertyKey>): string {
  const parts: Array<string | number> = path.map((k) => (typeof k === 'number' ? k : String(k)));
  // the deepest named object on the path
  for (let n = parts.length; n > 0; n--) {
    const obj = at(root, parts.slice(0, n));
    if (obj && typeof obj === 'object' && !Array.isArray(obj) && typeof (obj as { name?: unknown }).name === 'string') {
      const o = obj as { name: string; type?: unknown };
      const ctx = typeof o.type === 'string' ? `${o.type} "${o.name}"` : `"${o.name}"`;
      const head = formatPath(parts.slice(0, n));
      const tail = formatPath(parts.slice(n));
      return `${head} (${ctx})${tail ? `: ${tail}` : ''}`;
    }
  }
  return formatPath(parts);
}

/** The keys pyhf's workspace schema allows in the object at `path`, or undefined when it is not a workspace object. */
function allowedKeys(root: unknown, path: ReadonlyArray<PropertyKey>): readonly string[] | undefined {
  const keys = path.map((k) => (typeof k === 'number' ? '#' : String(k))).join('/');
  if (keys === '') return WORKSPACE_KEYS.workspace;
  if (keys === 'channels/#') return WORKSPACE_KEYS.channel;
  if (keys === 'channels/#/samples/#') return WORKSPACE_KEYS.sample;
  if (keys === 'channels/#/samples/#/modifiers/#') return WORKSPACE_KEYS.modifier;
  if (keys === 'channels/#/samples/#/modifiers/#/data') {
    const type = (at(root, path.slice(0, -1)) as { type?: unknown } | undefined)?.type;
    return type === 'histosys' ? WORKSPACE_KEYS.histosysData : type === 'normsys' ? WORKSPACE_KEYS.normsysData : undefined;
  }
  if (keys === 'observations/#') return WORKSPACE_KEYS.observation;
  if (keys === 'measurements/#') return WORKSPACE_KEYS.measurement;
  if (keys === 'measurements/#/config') return WORKSPACE_KEYS.config;
  if (keys === 'measurements/#/config/parameters/#') return WORKSPACE_KEYS.parameter;
  return undefined;
}

/** Converts a zod error on `root` into an InputError naming the place. */
export function zodToInputError(error: z.ZodError, root: unknown, kind: InputErrorKind, prefix = ''): InputError {
  const issue = error.issues[0];
  const disc = 'discriminator' in issue ? (issue as { discriminator?: string }).discriminator : undefined;
  const path = disc && issue.path[issue.path.length - 1] === disc ? issue.path.slice(0, -1) : issue.path;
  const value = at(root, path);
  let problem: string;
  const where = label(root, path);
  switch (issue.code) {
    case 'invalid_type':
      problem = value === undefined ? `is missing (expected ${issue.expected})` : `must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}, got ${typeName(value)}`;
      break;
    case 'invalid_union': {
      const d = value as Record<string, unknown> | undefined;
      if (disc === 'type' && d && typeof d === 'object') {
        problem = `unknown modifier type ${JSON.stringify(d.type)} (expected one of histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror)`;
      } else if (disc === 'op' && d && typeof d === 'object') {
        problem = `unknown op ${JSON.stringify(d.op)} (expected add, remove, replace, move, copy, test)`;
      } else {
        problem = 'does not match any allowed form';
      }
      break;
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, path);
      const unknown = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      problem = `unknown key${issue.keys.length === 1 ? '' : 's'} ${unknown}${allowed ? ` (pyhf's schema allows only ${allowed.join(', ')})` : ''}`;
      break;
    }
    case 'too_small':
      problem = Array.isArray(value) ? `must not be empty` : `is too short`;
      break;
    case 'invalid_value':
      problem = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${typeName(value)}`;
      break;
    default:
      problem = issue.message;
  }
  const place = where === '' ? '(top level)' : where;
  return new InputError(kind, prefix ? `${prefix}: ${place}` : place, problem);
}
