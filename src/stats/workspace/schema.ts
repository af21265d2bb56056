/**
 * zod schemas mirroring pyhf's JSON schema 1.0.0 (workspace, JSON Patch, patchset).
 * Structure only; the checks a schema cannot express live in validate.ts.
 */
import { z } from 'zod';

const num = z.number();
const numArray = z.array(num);

const named = { name: z.string().min(1) };

export const modifierSchema = z.discriminatedUnion('type', [
  z.object({ ...named, type: z.literal('normsys'), data: z.object({ hi: num, lo: num }) }),
  z.object({ ...named, type: z.literal('histosys'), data: z.object({ hi_data: numArray, lo_data: numArray }) }),
  z.object({ ...named, type: z.literal('normfactor'), data: z.null() }),
  z.object({ ...named, type: z.literal('shapefactor'), data: z.null() }),
  z.object({ ...named, type: z.literal('lumi'), data: z.null() }),
  z.object({ ...named, type: z.literal('staterror'), data: numArray }),
  z.object({ ...named, type: z.literal('shapesys'), data: numArray }),
]);

export const sampleSchema = z.object({ ...named, data: numArray.min(1), modifiers: z.array(modifierSchema) });
export const channelSchema = z.object({ ...named, samples: z.array(sampleSchema).min(1) });
export const observationSchema = z.object({ ...named, data: numArray });
export const parameterConfigSchema = z.object({
  ...named,
  inits: numArray.optional(),
  bounds: z.array(z.tuple([num, num])).optional(),
  fixed: z.boolean().optional(),
  auxdata: numArray.optional(),
  sigmas: numArray.optional(),
  factors: numArray.optional(),
});
export const measurementSchema = z.object({
  ...named,
  config: z.object({ poi: z.string().min(1), parameters: z.array(parameterConfigSchema) }),
});
export const workspaceSchema = z.object({
  channels: z.array(channelSchema).min(1),
  observations: z.array(observationSchema),
  measurements: z.array(measurementSchema).min(1),
  version: z.string().default('1.0.0'),
});

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
