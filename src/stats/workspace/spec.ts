/**
 * The HistFactory JSON specification (pyhf schema 1.0.0) as TypeScript types.
 *
 * Modifiers are a discriminated union on `type`, mirroring the JSON exactly, so a value that
 * type-checks serialises to a workspace pyhf reads.
 */

/** A `normsys` modifier: a rate variation, `hi`/`lo` are multiplicative factors at alpha = +-1. */
export interface NormsysModifier {
  readonly name: string;
  readonly type: 'normsys';
  readonly data: { readonly hi: number; readonly lo: number };
}

/** A `histosys` modifier: a shape variation given as up/down templates (absolute yields). */
export interface HistosysModifier {
  readonly name: string;
  readonly type: 'histosys';
  readonly data: { readonly hi_data: readonly number[]; readonly lo_data: readonly number[] };
}

/** A free-floating normalisation (the POI is usually one). */
export interface NormfactorModifier {
  readonly name: string;
  readonly type: 'normfactor';
  readonly data: null;
}

/** A free-floating per-bin normalisation. */
export interface ShapefactorModifier {
  readonly name: string;
  readonly type: 'shapefactor';
  readonly data: null;
}

/** Luminosity; its auxdata and sigma come from the measurement's parameter config. */
export interface LumiModifier {
  readonly name: string;
  readonly type: 'lumi';
  readonly data: null;
}

/** MC statistical uncertainty (Barlow–Beeston lite), absolute per-bin uncertainties. */
export interface StaterrorModifier {
  readonly name: string;
  readonly type: 'staterror';
  readonly data: readonly number[];
}

/** Uncorrelated per-bin shape uncertainty with a Poisson constraint, absolute uncertainties. */
export interface ShapesysModifier {
  readonly name: string;
  readonly type: 'shapesys';
  readonly data: readonly number[];
}

/** Any HistFactory modifier, discriminated on `type`. */
export type Modifier =
  | NormsysModifier
  | HistosysModifier
  | NormfactorModifier
  | ShapefactorModifier
  | LumiModifier
  | StaterrorModifier
  | ShapesysModifier;

/** The seven modifier types, in pyhf's order (which is also its parameter-grouping order). */
export const MODIFIER_TYPES = [
  'histosys',
  'lumi',
  'normfactor',
  'normsys',
  'shapefactor',
  'shapesys',
  'staterror',
] as const satisfies readonly Modifier['type'][];

export type ModifierType = Modifier['type'];

export interface Sample {
  readonly name: string;
  /** Nominal expected yields, one per bin of the channel. */
  readonly data: readonly number[];
  readonly modifiers: readonly Modifier[];
}

export interface Channel {
  readonly name: string;
  readonly samples: readonly Sample[];
}

export interface Observation {
  /** Channel name. */
  readonly name: string;
  readonly data: readonly number[];
}

/** A parameter configuration in a measurement (pyhf `config.parameters[]`). */
export interface ParameterConfig {
  readonly name: string;
  readonly inits?: readonly number[];
  readonly bounds?: ReadonlyArray<readonly [number, number]>;
  readonly fixed?: boolean;
  readonly auxdata?: readonly number[];
  readonly sigmas?: readonly number[];
  readonly factors?: readonly number[];
}

export interface Measurement {
  readonly name: string;
  readonly config: {
    readonly poi: string;
    readonly parameters: readonly ParameterConfig[];
  };
}

/** A pyhf JSON workspace. */
export interface Workspace {
  readonly channels: readonly Channel[];
  readonly observations: readonly Observation[];
  readonly measurements: readonly Measurement[];
  readonly version: string;
}

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string }
  | { readonly op: 'test'; readonly path: string; readonly value: unknown };

export type JsonPatch = readonly JsonPatchOperation[];

/** A pyhf patchset (schema patchset.json). */
export interface PatchSet {
  readonly metadata: {
    readonly name?: string;
    readonly description?: string;
    readonly digests: Readonly<Record<string, string>>;
    readonly labels: readonly string[];
    readonly references?: Readonly<Record<string, string>>;
  };
  readonly patches: ReadonlyArray<{
    readonly metadata: { readonly name: string; readonly values: readonly unknown[] };
    readonly patch: JsonPatch;
  }>;
  readonly version: string;
}
