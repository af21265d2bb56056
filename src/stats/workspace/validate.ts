/**
 * Workspace validation: the zod schema, then the checks a schema cannot express. Every
 * failure is an InputError naming the JSON path and the problem, e.g.
 * `channels[1].samples[0].modifiers[2] (histosys "jes"): hi_data has 3 bins, channel "SR" has 4`.
 */
import { InputError } from '../errors.js';
import { buildModel, observedData, type HistFactoryModel, type ModelData } from '../model/model.js';
import { workspaceSchema } from './schema.js';
import type { Measurement, Modifier, ModifierType, ParameterConfig, Workspace } from './spec.js';
import { zodToInputError } from './zod-errors.js';

/** The schema version pyhf reads (its `defs.json`: `"version": {"const": "1.0.0"}`). */
const SCHEMA_VERSION = '1.0.0';

type ConfigKey = 'inits' | 'bounds' | 'auxdata' | 'sigmas' | 'factors';

/**
 * The parameter-configuration keys each modifier type does not use, with the reason. pyhf's
 * `reduce_paramsets_requirements` raises `InvalidModel` for a key the modifier's
 * `required_parset` leaves undefined (its message then reads "Incorrect number of values (1)
 * for sigmas ..., expected 9": the length of the string "undefined").
 */
function unusedKeyReason(type: ModifierType, key: ConfigKey, label: string = type): string | undefined {
  switch (type) {
    case 'histosys':
    case 'normsys':
      if (key === 'sigmas') return `${label} parameters take no "sigmas" (pyhf constrains them with a unit Gaussian; set "auxdata" to shift the mean)`;
      if (key === 'factors') return `${label} parameters take no "factors" (pyhf constrains them with a unit Gaussian; only shapesys has Poisson factors)`;
      return undefined;
    case 'normfactor':
    case 'shapefactor':
      if (key === 'auxdata' || key === 'sigmas' || key === 'factors') return `${type} parameters are unconstrained and take no "${key}" (pyhf configures only inits, bounds and fixed for them)`;
      return undefined;
    case 'lumi':
      return key === 'factors' ? 'lumi takes no "factors" (its Gaussian constraint is set by "auxdata" and "sigmas")' : undefined;
    case 'staterror':
      return key === 'factors' ? 'staterror parameters take no "factors" (their Gaussian widths are "sigmas")' : undefined;
    case 'shapesys':
      return key === 'sigmas' ? 'shapesys parameters take no "sigmas" (their Poisson constraint is set by "factors")' : undefined;
  }
}

/** Modifier types that may share one name (pyhf merges them into one parameter). */
const SHAREABLE_PAIRS = new Set(['histosys+normsys', 'normsys+histosys']);

function fail(where: string, problem: string, source?: string): never {
  throw new InputError('workspace', source ? `${source}: ${where}` : where, problem);
}

function finite(xs: readonly number[], where: string, what: string, source?: string, nonNegative = false): void {
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) fail(where, `${what}[${i}] is ${x}, must be finite`, source);
    if (nonNegative && x < 0) fail(where, `${what}[${i}] is ${x}, must be >= 0`, source);
  });
}

function modifierWhere(c: number, s: number, k: number, m: Modifier): string {
  return `channels[${c}].samples[${s}].modifiers[${k}] (${m.type} "${m.name}")`;
}

/** The number of components of each parameter name, for checking measurement configs. */
function componentCounts(ws: Workspace): Map<string, { type: string; types: string; n: number }> {
  const out = new Map<string, { type: string; types: string; n: number }>();
  const types = new Map<string, Set<string>>();
  const stat = new Map<string, Set<string>>();
  for (const ch of ws.channels) {
    const nb = ch.samples[0].data.length;
    for (const s of ch.samples) {
      for (const m of s.modifiers) {
        if (!types.has(m.name)) types.set(m.name, new Set());
        types.get(m.name)!.add(m.type);
        if (m.type === 'staterror') {
          if (!stat.has(m.name)) stat.set(m.name, new Set());
          stat.get(m.name)!.add(ch.name);
          out.set(m.name, { type: m.type, types: m.type, n: 0 });
        } else if (!out.has(m.name)) {
          out.set(m.name, { type: m.type, types: m.type, n: m.type === 'shapefactor' || m.type === 'shapesys' ? nb : 1 });
        }
      }
    }
  }
  for (const [name, chans] of stat) {
    const n = ws.channels.filter((c) => chans.has(c.name)).reduce((a, c) => a + c.samples[0].data.length, 0);
    out.set(name, { type: 'staterror', types: 'staterror', n });
  }
  for (const [name, t] of types) out.set(name, { ...out.get(name)!, types: [...t].sort().join(' and ') });
  return out;
}

/**
 * Parses and validates a pyhf JSON workspace.
 *
 * @param options.source prefixed to error places (e.g. the file name)
 * @example
 * ```ts
 * const ws = parseWorkspace(JSON.parse(text), { source: 'workspace.json' });
 * ```
 */
export function parseWorkspace(json: unknown, options: { source?: string } = {}): Workspace {
  const src = options.source;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InputError('schema', src ?? 'workspace', `a workspace must be a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`);
  }
  const parsed = workspaceSchema.safeParse(json);
  if (!parsed.success) throw zodToInputError(parsed.error, json, 'schema', src);
  const ws = parsed.data as Workspace;
  if (ws.version !== SCHEMA_VERSION) fail('version', `is ${JSON.stringify(ws.version)}; pyhf reads workspaces of schema version ${SCHEMA_VERSION} only`, src);

  const channelNames = new Map<string, number>();
  const typesByName = new Map<string, { type: string; where: string }[]>();
  ws.channels.forEach((ch, c) => {
    if (channelNames.has(ch.name)) fail(`channels[${c}]`, `channel name "${ch.name}" is already used by channels[${channelNames.get(ch.name)}]`, src);
    channelNames.set(ch.name, c);
    const nb = ch.samples[0].data.length;
    const sampleNames = new Map<string, number>();
    ch.samples.forEach((s, si) => {
      const sw = `channels[${c}].samples[${si}]`;
      if (sampleNames.has(s.name)) fail(sw, `sample name "${s.name}" is already used by channels[${c}].samples[${sampleNames.get(s.name)}]`, src);
      sampleNames.set(s.name, si);
      if (s.data.length !== nb) fail(`${sw} ("${s.name}")`, `data has ${s.data.length} bins, channel "${ch.name}" has ${nb}`, src);
      finite(s.data, `${sw} ("${s.name}")`, 'data', src, true);
      const seen = new Set<string>();
      s.modifiers.forEach((m, k) => {
        const mw = modifierWhere(c, si, k, m);
        const key = `${m.type}/${m.name}`;
        if (seen.has(key)) fail(mw, `the sample already has a ${m.type} modifier named "${m.name}"`, src);
        seen.add(key);
        const list = typesByName.get(m.name) ?? [];
        list.push({ type: m.type, where: mw });
        typesByName.set(m.name, list);
        switch (m.type) {
          case 'lumi':
            if (m.name !== 'lumi') fail(mw, 'a lumi modifier must be named "lumi" (pyhf\'s schema fixes the name; its auxdata and sigmas come from the "lumi" parameter configuration)', src);
            break;
          case 'normsys':
            for (const f of ['hi', 'lo'] as const) {
              const v = m.data[f];
              if (!Number.isFinite(v) || v <= 0) fail(mw, `data.${f} is ${v}; normsys factors must be finite and > 0`, src);
            }
            break;
          case 'histosys':
            for (const f of ['hi_data', 'lo_data'] as const) {
              if (m.data[f].length !== nb) fail(mw, `${f} has ${m.data[f].length} bins, channel "${ch.name}" has ${nb}`, src);
              finite(m.data[f], mw, f, src);
            }
            break;
          case 'staterror':
          case 'shapesys':
            if (m.data.length !== nb) fail(mw, `data has ${m.data.length} bins, channel "${ch.name}" has ${nb}`, src);
            finite(m.data, mw, 'data', src, true);
            break;
          default:
            break;
        }
      });
    });
  });

  // a name used by several modifier types: only histosys + normsys may share
  for (const [name, uses] of typesByName) {
    const types = [...new Set(uses.map((u) => u.type))];
    if (types.length > 1 && !(types.length === 2 && SHAREABLE_PAIRS.has(types.join('+')))) {
      const other = uses.find((u) => u.type !== uses[0].type)!;
      fail(other.where, `the name "${name}" is also a ${uses[0].type} at ${uses[0].where}; only normsys and histosys may share a name`, src);
    }
    const shapesys = uses.filter((u) => u.type === 'shapesys');
    if (shapesys.length > 1) fail(shapesys[1].where, `shapesys "${name}" is already used at ${shapesys[0].where}; a shapesys belongs to one sample`, src);
  }

  const observed = new Map<string, number>();
  ws.observations.forEach((o, i) => {
    const ow = `observations[${i}] ("${o.name}")`;
    const c = channelNames.get(o.name);
    if (c === undefined) fail(ow, `names no channel (channels: ${[...channelNames.keys()].map((n) => `"${n}"`).join(', ')})`, src);
    if (observed.has(o.name)) fail(ow, `channel "${o.name}" is already observed in observations[${observed.get(o.name)}]`, src);
    observed.set(o.name, i);
    const nb = ws.channels[c].samples[0].data.length;
    if (o.data.length !== nb) fail(ow, `data has ${o.data.length} bins, channel "${o.name}" has ${nb}`, src);
    finite(o.data, ow, 'data', src, true);
  });
  ws.channels.forEach((ch, c) => {
    if (!observed.has(ch.name)) fail(`channels[${c}] ("${ch.name}")`, 'has no observation', src);
  });

  const counts = componentCounts(ws);
  const usesLumi = [...counts.values()].some((v) => v.type === 'lumi');
  const measurementNames = new Map<string, number>();
  ws.measurements.forEach((m, mi) => {
    const mw = `measurements[${mi}] ("${m.name}")`;
    if (measurementNames.has(m.name)) fail(mw, `measurement name "${m.name}" is already used by measurements[${measurementNames.get(m.name)}]`, src);
    measurementNames.set(m.name, mi);
    // A background-only workspace may name a POI that only a signal patch adds; buildModel
    // checks that the POI exists and is a scalar.
    const poi = counts.get(m.config.poi);
    if (poi && (poi.type === 'shapefactor' || poi.type === 'shapesys' || poi.type === 'staterror')) {
      fail(`${mw}.config.poi`, `POI "${m.config.poi}" is a ${poi.type} (a per-bin parameter set); the POI must be a scalar`, src);
    }
    const seen = new Map<string, number>();
    m.config.parameters.forEach((p, pi) => {
      const pw = `${mw}.config.parameters[${pi}] ("${p.name}")`;
      if (seen.has(p.name)) fail(pw, `"${p.name}" is already configured by config.parameters[${seen.get(p.name)}]`, src);
      seen.set(p.name, pi);
      const info = counts.get(p.name);
      if (info) {
        for (const key of ['inits', 'bounds', 'auxdata', 'sigmas', 'factors'] as const) {
          const why = p[key] === undefined ? undefined : unusedKeyReason(info.type as ModifierType, key, info.types);
          if (why) fail(pw, why, src);
        }
      }
      for (const key of ['inits', 'auxdata', 'sigmas', 'factors'] as const) {
        const v = p[key];
        if (v === undefined) continue;
        finite(v, pw, key, src);
        if (info && v.length !== info.n) fail(pw, `${key} has ${v.length} values, parameter "${p.name}" has ${info.n} component${info.n === 1 ? '' : 's'}`, src);
      }
      if (p.sigmas?.some((x) => x <= 0)) fail(pw, 'sigmas must be > 0', src);
      if (p.bounds) {
        if (info && p.bounds.length !== info.n) fail(pw, `bounds has ${p.bounds.length} pairs, parameter "${p.name}" has ${info.n} component${info.n === 1 ? '' : 's'}`, src);
        p.bounds.forEach(([lo, hi], i) => {
          if (!Number.isFinite(lo) || !Number.isFinite(hi)) fail(pw, `bounds[${i}] = [${lo}, ${hi}] must be finite`, src);
          if (!(lo < hi)) fail(pw, `bounds[${i}] = [${lo}, ${hi}]: the lower bound must be below the upper`, src);
          const init = p.inits?.[i];
          if (init !== undefined && (init < lo || init > hi)) fail(pw, `inits[${i}] = ${init} is outside bounds [${lo}, ${hi}]`, src);
        });
      }
    });
    if (usesLumi) {
      for (const [name, info] of counts) {
        if (info.type !== 'lumi') continue;
        const at = m.config.parameters.findIndex((p) => p.name === name);
        if (at < 0) fail(`${mw}.config.parameters`, `lumi parameter "${name}" needs a configuration with auxdata and sigmas (and inits: pyhf has no defaults for lumi)`, src);
        const cfg: ParameterConfig = m.config.parameters[at];
        const missing = (['auxdata', 'sigmas', 'inits'] as const).filter((k) => cfg[k] === undefined);
        if (missing.length > 0) {
          fail(`${mw}.config.parameters[${at}] ("${name}")`, `lumi needs ${missing.map((k) => `"${k}"`).join(' and ')} in its configuration (pyhf has no defaults for lumi)`, src);
        }
      }
    }
  });
  return ws;
}

/** The measurement called `name`, or the first one. */
export function selectMeasurement(ws: Workspace, name?: string): Measurement {
  if (name === undefined) return ws.measurements[0];
  const m = ws.measurements.find((x) => x.name === name);
  if (!m) throw new InputError('argument', '--measurement', `no measurement "${name}" (available: ${ws.measurements.map((x) => `"${x.name}"`).join(', ')})`);
  return m;
}

/** What {@link validateWorkspace} found: the parsed workspace, its model and data. */
export interface ValidatedWorkspace {
  readonly workspace: Workspace;
  readonly measurement: Measurement;
  readonly model: HistFactoryModel;
  readonly data: ModelData;
}

/**
 * Everything pyhf checks when it reads a workspace — `pyhf.Workspace(spec)` (schema),
 * `workspace.model()` (parameter configuration, POI) and `workspace.data(model)`: the schema
 * and cross-checks of {@link parseWorkspace}, then the model of the measurement (default the
 * first, as pyhf) and its observed data.
 *
 * diffinfer is stricter than pyhf in a few places where pyhf reads a workspace that it then
 * cannot fit (a lumi without sigmas gets width 1, a reversed bound, an init outside its
 * bounds, negative yields, repeated measurement or observation names); the verdicts on a
 * corpus recorded with pyhf are in test/fixtures/pyhf-verdicts.
 *
 * @throws InputError naming the JSON path and the reason.
 * @example
 * ```ts
 * const { model } = validateWorkspace(JSON.parse(text), { source: 'workspace.json' });
 * model.nPars;
 * ```
 */
export function validateWorkspace(json: unknown, options: { source?: string; measurement?: string } = {}): ValidatedWorkspace {
  const workspace = parseWorkspace(json, { source: options.source });
  const measurement = selectMeasurement(workspace, options.measurement);
  const model = buildModel(workspace, { measurement });
  const mi = workspace.measurements.indexOf(measurement);
  for (const set of model.parameterSets) {
    set.inits.forEach((init, i) => {
      const [lo, hi] = set.bounds[i];
      if (init >= lo && init <= hi) return;
      const k = measurement.config.parameters.findIndex((p) => p.name === set.name);
      const where = k >= 0 ? `measurements[${mi}] ("${measurement.name}").config.parameters[${k}] ("${set.name}")` : `measurements[${mi}] ("${measurement.name}") parameter "${set.name}"`;
      fail(where, `inits[${i}] = ${init} is outside bounds [${lo}, ${hi}]${k >= 0 && !measurement.config.parameters[k].bounds ? ` (the default bounds of a ${set.type})` : ''}`, options.source);
    });
  }
  return { workspace, measurement, model, data: observedData(workspace, model) };
}
