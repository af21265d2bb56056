/**
 * Creating flows by kind, and their saved form: `flowFromJSON` inverts `Flow.toJSON`;
 * `saveFlow` / `loadFlow` keep one flow in one JSON file (written atomically).
 *
 * A saved flow holds the configuration, the fixed standardisation and every weight as a flat
 * row-major array of numbers; float32 values round-trip exactly, so a loaded flow gives the
 * same `logProb` bit for bit.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../stats/errors.js';
import { writeFileAtomic } from '../../stats/io.js';
import { CouplingFlow } from './coupling.js';
import { validateStandardisation, type Flow, type FlowJSON, type Standardisation } from './flow.js';
import { affineTransform, createRealNvp, realNvpConfig, type RealNvpOptions } from './realnvp.js';
import { createNeuralSplineFlow, splineConfig, splineTransform, type SplineFlowOptions } from './spline-flow.js';

/** A flow's kind with its factory options. */
export type FlowSpec = ({ readonly kind: 'realnvp' } & RealNvpOptions) | ({ readonly kind: 'spline' } & SplineFlowOptions);

/**
 * Creates a flow of the given kind (`createRealNvp` or `createNeuralSplineFlow`).
 *
 * @example
 * ```ts
 * const flow = createFlow({ kind: 'spline', dim: 2, layers: 4, hidden: 32, bins: 8, seed: 1 });
 * ```
 */
export function createFlow(spec: FlowSpec): Flow {
  if (spec === null || typeof spec !== 'object') throw new RangeError('createFlow: spec must be an object');
  switch (spec.kind) {
    case 'realnvp':
      return createRealNvp(spec);
    case 'spline':
      return createNeuralSplineFlow(spec);
    default:
      throw new RangeError(`createFlow: kind must be 'realnvp' or 'spline', got ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Re-throws a RangeError from a validator (whose message already names the place) as an InputError. */
function asInput<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new InputError('schema', '', e.message);
    throw e;
  }
}

/**
 * Rebuilds a flow from `toJSON()` data (after a JSON round trip). `source` names the input in
 * errors (a file path for `loadFlow`); every problem is an InputError naming the field.
 *
 * @example
 * ```ts
 * const copy = flowFromJSON(JSON.parse(JSON.stringify(flow.toJSON())));
 * ```
 */
export function flowFromJSON(json: unknown, source = 'flowFromJSON'): Flow {
  const fail = (where: string, problem: string): never => {
    throw new InputError('schema', `${source}: ${where}`, problem);
  };
  if (!isRecord(json)) return fail('(root)', 'must be an object');
  if (json.format !== 'diffinfer-flow') fail('format', `must be "diffinfer-flow", got ${JSON.stringify(json.format)}`);
  if (json.version !== 1) fail('version', `must be 1, got ${JSON.stringify(json.version)}`);
  if (json.kind !== 'realnvp' && json.kind !== 'spline') fail('kind', `must be "realnvp" or "spline", got ${JSON.stringify(json.kind)}`);
  if (!isRecord(json.config)) return fail('config', 'must be an object');
  const kind = json.kind as FlowJSON['kind'];
  const rawConfig = { ...(json.config as object), seed: 0 } as RealNvpOptions & SplineFlowOptions;
  const where = `${source}: config`;
  const config = asInput(() => (kind === 'realnvp' ? realNvpConfig(rawConfig, where) : splineConfig(rawConfig, where)));
  for (const key of ['contextDim', 'depth'] as const) if ((json.config as Record<string, unknown>)[key] === undefined) fail(`config.${key}`, 'is missing');
  let standardisation: Standardisation | undefined;
  if (json.standardisation !== null) {
    if (!isRecord(json.standardisation)) fail('standardisation', 'must be an object or null');
    standardisation = json.standardisation as unknown as Standardisation;
    asInput(() => validateStandardisation(standardisation as Standardisation, config.dim, config.contextDim, `${source}`));
  }
  if (!Array.isArray(json.weights)) return fail('weights', 'must be an array');
  const transform = kind === 'realnvp' ? affineTransform((config as ReturnType<typeof realNvpConfig>).scaleBound) : splineTransform(config as ReturnType<typeof splineConfig>);
  const flow = new CouplingFlow(kind, config, transform, 0, 'identity', standardisation);
  try {
    const vars = flow.labelledVariables();
    const weights = json.weights as unknown[];
    if (weights.length !== vars.length) fail('weights', `has ${weights.length} entries, the configuration needs ${vars.length}`);
    vars.forEach(({ label, variable }, i) => {
      const w = weights[i];
      if (!isRecord(w)) return fail(`weights[${i}]`, 'must be an object');
      if (w.name !== label) fail(`weights[${i}].name`, `must be ${JSON.stringify(label)}, got ${JSON.stringify(w.name)}`);
      const shape = w.shape;
      if (!Array.isArray(shape) || shape.length !== variable.shape.length || shape.some((s, j) => s !== variable.shape[j])) {
        fail(`weights[${i}].shape`, `must be [${variable.shape}], got ${JSON.stringify(shape)}`);
      }
      const values = w.values;
      if (!Array.isArray(values) || values.length !== variable.size) return fail(`weights[${i}].values`, `must be an array of ${variable.size} numbers`);
      const data = new Float32Array(values.length);
      values.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(`weights[${i}].values[${j}]`, `must be a finite number, got ${JSON.stringify(v)}`);
        data[j] = v as number;
      });
      tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
    });
  } catch (e) {
    flow.dispose();
    throw e;
  }
  return flow;
}

/**
 * Writes `flow.toJSON()` to `path` as one JSON file, atomically (a temporary file, then a
 * rename; the directory is created).
 *
 * @example
 * ```ts
 * saveFlow(flow, 'models/signal-flow.json');
 * ```
 */
export function saveFlow(flow: Flow, path: string): void {
  if (typeof path !== 'string' || path === '') throw new RangeError('saveFlow: path must be a non-empty string');
  writeFileAtomic(path, `${JSON.stringify(flow.toJSON())}\n`);
}

/**
 * Reads a flow written by `saveFlow`. Errors are InputErrors naming the file and the field.
 *
 * @example
 * ```ts
 * const flow = loadFlow('models/signal-flow.json');
 * ```
 */
export function loadFlow(path: string): Flow {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('io', path, `cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError('json', path, `is not valid JSON (${(e as Error).message})`);
  }
  return flowFromJSON(json, path);
}
