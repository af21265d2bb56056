/**
 * zod schemas mirroring pyhf's JSON schema 1.0.0 (workspace, JSON Patch, patchset).
 * Structure only; the checks a schema cannot express live in validate.ts.
 *
 * As pyhf's `defs.json`, workspace objects admit no keys beyond their own
 * (`additionalProperties: false`), arrays of numbers have at least one entry (`minItems: 1`)
 * and every key pyhf requires is required (`version` too). Values a schema cannot judge (the
 * lumi modifier's name, the version string, lengths) are checked in validate.ts, so that
 * the message can say why.
 */
import { z } from 'zod';

const num = z.number();
const numArray = z.array(num);
/** pyhf: `{"type": "array", "items": {"type": "number"}, "minItems": 1}`. */
const numbers = numArray.min(1);

const named = { name: z.string().min(1) };

export const modifierSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...named, type: z.literal('normsys'), data: z.strictObject({ hi: num, lo: num }) }),
  z.strictObject({ ...named, type: z.literal('histosys'), data: z.strictObject({ hi_data: numbers, lo_data: numbers }) }),
  z.strictObject({ ...named, type: z.literal('normfactor'), data: z.null() }),
  z.strictObject({ ...named, type: z.literal('shapefactor'), data: z.null() }),
  z.strictObject({ ...named, type: z.literal('lumi'), data: z.null() }),
  z.strictObject({ ...named, type: z.literal('staterror'), data: numbers }),
  z.strictObject({ ...named, type: z.literal('shapesys'), data: numbers }),
]);

export const sampleSchema = z.strictObject({ ...named, data: numbers, modifiers: z.array(modifierSchema) });
export const channelSchema = z.strictObject({ ...named, samples: z.array(sampleSchema).min(1) });
export const observationSchema = z.strictObject({ ...named, data: numbers });
export const parameterConfigSchema = z.strictObject({
  ...named,
  inits: numbers.optional(),
  bounds: z.array(z.tuple([num, num])).min(1).optional(),
  fixed: z.boolean().optional(),
  auxdata: numbers.optional(),
  sigmas: numbers.optional(),
  factors: numbers.optional(),
});
export const measurementSchema = z.strictObject({
  ...named,
  config: z.strictObject({ poi: z.string().min(1), parameters: z.array(parameterConfigSchema) }),
});
export const workspaceSchema = z.strictObject({
  channels: z.array(channelSchema).min(1),
  observations: z.array(observationSchema).min(1),
  measurements: z.array(measurementSchema).min(1),
  version: z.string(),
});

/** The keys pyhf's schema allows in each kind of workspace object (for messages about unknown keys). */
export const WORKSPACE_KEYS = {
  workspace: ['channels', 'measurements', 'observations', 'version'],
  channel: ['name', 'samples'],
  sample: ['name', 'data', 'modifiers'],
  modifier: ['name', 'type', 'data'],
  histosysData: ['hi_data', 'lo_data'],
  normsysData: ['hi', 'lo'],
  observation: ['name', 'data'],
  measurement: ['name', 'config'],
  config: ['poi', 'parameters'],
  parameter: ['name', 'inits', 'bounds', 'fixed', 'auxdata', 'sigmas', 'factors'],
} as const;

const pointer = z.string().refine((p) => p === '' || p.startsWith('/'), 'a JSON pointer must be empty or start with "/"');
export const jsonPatchOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: pointer, value: z.unknown() }),
  z.object({ op: z.literal('remove'), path: pointer }),
  z.object({ op: z.literal('replace'), path: pointer, value: z.unknown() }),
  z.object({ op: z.literal('move'), from: pointer, path: pointer }),
  z.object({ op: z.literal('copy'), from: pointer, path: pointer }),
  z.object({ op: z.literal('test'), path: pointer, value: z.unknown() }),
]);
export const jsonPatchSchema = z.array(jsonPatchOperationSchema);

export const patchSetSchema = z.object({
  metadata: z.object({
    name: z.string().optional(),
    description: z.string().optional(),
    digests: z.record(z.string(), z.string()),
    labels: z.array(z.string()),
    references: z.record(z.string(), z.string()).optional(),
  }),
  patches: z
    .array(z.object({ metadata: z.object({ name: z.string().min(1), values: z.array(z.unknown()) }), patch: jsonPatchSchema }))
    .min(1),
  version: z.string(),
});
