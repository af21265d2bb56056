/**
 * Compiles an analysis config (schema.ts) into an {@link Analysis} and its datasets per split.
 *
 * Events: each sample's files (or simulated events) are read once; the channel's and the
 * sample's selections keep events; the weight expression gives each event's weight. Every event
 * of a file set is assigned to train, validation or test by a seeded uniform draw (seed
 * `split.seed` and the file names as written, so the split does not depend on where the files
 * are), with the fractions of `split`; the weights of a split are divided by its fraction, so
 * each split's templates estimate the full expected yields (a sample's `expected` scales them to
 * that yield instead). Alternative files of a detector systematic have their own draw.
 *
 * Datasets: `<channel>/<sample>` (learned: the summary's features in order; fixed: the
 * observable column) with weight sets `<modifier>:up` / `:down` for weight systematics, and
 * `<channel>/<sample>/<modifier>:up|down` for alternative files. A workspace channel's datasets
 * are its bins (one event per bin at the bin's centre, weighing its count; its histosys data
 * and uncertainties are weight sets).
 *
 * Every error names the config path, e.g.
 * `channels[0].samples[2].modifiers[1] (histosys "isr" from weights): column "w_isr_up" not in ttbar.parquet`.
 *
 * Files are read through `options.files` ({@link AnalysisFiles}: compile-node.ts on Node, the
 * default of the config barrel); without it (a browser) only simulated configs compile.
 */
import seedrandom from 'seedrandom';
import { formatPath, InputError } from '../../stats/errors.js';
import { Analysis, type AnalysisSpec, type Binning, type ChannelFill, type EventSource, type FeatureTransform, type SampleSources } from '../analysis.js';
import { dataset, NOMINAL_WEIGHTS, type Dataset } from '../data.js';
import { methodOf, type Method, type MethodName } from '../methods.js';
import { fitStandardisation, type Standardisation, type SummaryOutput } from '../summary.js';
import type { AnalysisTemplateSpec, TemplateChannelSpec, TemplateModifier, TemplateParameter } from '../templates.js';
import { parseExpression, type Expression } from './expression.js';
import { analysisConfigSchema, type AnalysisConfig, type ConfigChannel, type ConfigHistosys, type ConfigSample, type SimulatedSource } from './schema.js';

/** The splits of an analysis's events. */
export const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** A simulator of a built-in problem (`simulate` sources). */
export interface Simulator {
  /** The column names of its events. */
  readonly columns: readonly string[];
  /** `n` events [n, columns.length] of `process`, row-major; the same arguments give the same bytes. */
  simulate(process: string, n: number, seed: string): Float32Array;
}

/** Options of {@link compileAnalysis}. */
export interface CompileOptions {
  /** Folder relative file names are resolved in (the config's folder); default the working directory. */
  readonly baseDir?: string;
  /** The splits to build datasets of; default all. */
  readonly splits?: readonly SplitName[];
  readonly simulators?: Readonly<Record<string, Simulator>>;
  /** Train with this method instead of `training.method`. */
  readonly method?: MethodName;
  /** Simulated event tables by (simulator, process, events, seed), shared between compilations. */
  readonly cache?: Map<string, Float32Array>;
  /** How event files and workspaces are read (`NODE_ANALYSIS_FILES` of compile-node.ts); needed by configs with files. */
  readonly files?: AnalysisFiles;
}

/** How {@link compileAnalysis} reads files (Node: `NODE_ANALYSIS_FILES` of compile-node.ts). */
export interface AnalysisFiles {
  /**
   * The events of a file set: the `needs` columns (each with the config path that needs it, for
   * messages) of `files` (relative to `baseDir`), concatenated in order.
   */
  readFileSet(files: readonly string[], baseDir: string, needs: ReadonlyMap<string, string>, where: string): Promise<FileEvents>;
  /** The text of a file (relative to `baseDir`), e.g. a workspace. */
  readText(file: string, baseDir: string): string;
}

/** The files of a compilation, or an InputError at `where` when there is no reader. */
function filesOf(options: CompileOptions, where: string): AnalysisFiles {
  if (!options.files) throw new InputError('argument', where, 'reads files, which needs a file reader (compileAnalysis of diffinfer/models on Node; a browser compiles simulated configs only)');
  return options.files;
}

/** A compiled config: the analysis, its datasets and what training needs. */
export interface CompiledAnalysis {
  readonly config: AnalysisConfig;
  readonly method: Method;
  readonly analysis: Analysis;
  readonly binning: Binning;
  readonly output: SummaryOutput;
  readonly features: readonly string[];
  readonly datasets: Readonly<Partial<Record<SplitName, Readonly<Record<string, Dataset>>>>>;
  /** Fitted on the training events (when the train split was built). */
  readonly standardisation?: Standardisation;
}

/** Formats a path with the label of the object it points to (`("name")` or `(type "name")`). */
function at(path: ReadonlyArray<string | number>, label?: string): string {
  return `${formatPath(path)}${label ? ` (${label})` : ''}`;
}

/**
 * Validates a config object (defaults filled in).
 *
 * @throws InputError naming the path of the first problem, e.g. `channels[0].samples[1].modifiers[0].type: unknown modifier type "histosis" (...)`.
 * @example
 * ```ts
 * const config = parseAnalysisConfig(YAML.parse(text));
 * ```
 */
export function parseAnalysisConfig(input: unknown): AnalysisConfig {
  const r = analysisConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.map((k) => (typeof k === 'number' ? k : String(k)));
  const value = path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined), input);
  const deepestNamed = (): string => {
    for (let n = path.length; n > 0; n--) {
      const obj = path.slice(0, n).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined), input) as { name?: unknown; type?: unknown } | undefined;
      if (obj && typeof obj === 'object' && !Array.isArray(obj) && typeof obj.name === 'string') {
        const head = at(path.slice(0, n), typeof obj.type === 'string' ? `${obj.type} "${obj.name}"` : `"${obj.name}"`);
        const tail = formatPath(path.slice(n));
        return tail ? `${head}.${tail.replace(/^\./, '')}`.replace(/\.\[/g, '[') : head;
      }
    }
    return formatPath(path) || '(top level)';
  };
  let problem: string;
  switch (issue.code) {
    case 'invalid_type':
      problem = value === undefined ? `is missing (expected ${issue.expected})` : `must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}, got ${Array.isArray(value) ? 'an array' : typeof value === 'string' ? JSON.stringify(value) : typeof value}`;
      break;
    case 'invalid_union': {
      const isModifier = path.includes('modifiers') && (path[path.length - 1] === 'type' || (value !== null && typeof value === 'object' && 'type' in (value as object)));
      const type = path[path.length - 1] === 'type' ? value : (value as { type?: unknown } | undefined)?.type;
      problem =
        value === undefined
          ? 'is missing'
          : isModifier
            ? `unknown modifier type ${JSON.stringify(type)} (expected one of normfactor, shapefactor, lumi, normsys, histosys, staterror, shapesys)`
            : `does not match any allowed form (got ${Array.isArray(value) ? 'an array' : typeof value === 'string' ? JSON.stringify(value) : typeof value})`;
      break;
    }
    case 'unrecognized_keys':
      problem = `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      break;
    case 'invalid_value':
      problem = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`;
      break;
    case 'too_small':
      problem = Array.isArray(value) ? `needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}` : `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}, got ${JSON.stringify(value)}`;
      break;
    case 'too_big':
      problem = `must be ${issue.inclusive ? 'at most' : 'below'} ${String(issue.maximum)}, got ${JSON.stringify(value)}`;
      break;
    default:
      problem = issue.message;
  }
  // a modifier's discriminated-union error points at the modifier; name its type key
  const where = issue.code === 'invalid_union' && problem.startsWith('unknown modifier type') && path[path.length - 1] !== 'type' ? `${deepestNamed()}.type` : deepestNamed();
  throw new InputError('argument', where, problem);
}

/** What a channel is. */
type ChannelKind = 'learned' | 'fixed' | 'workspace';

function channelKind(c: ConfigChannel, ci: number): ChannelKind {
  const where = at(['channels', ci], `"${c.name}"`);
  if (c.workspace) {
    if (c.observable || c.samples) throw new InputError('argument', where, 'a workspace channel takes its samples from the workspace: give no observable or samples');
    return 'workspace';
  }
  if (!c.samples || c.samples.length === 0) throw new InputError('argument', `${where}.samples`, 'is missing: a learned or fixed channel needs samples');
  return c.observable ? 'fixed' : 'learned';
}

function histosysSource(h: ConfigHistosys, where: string): 'weights' | 'files' | 'simulate' | 'transform' {
  const given = (['weights', 'files', 'simulate', 'transform'] as const).filter((k) => h[k] !== undefined);
  if (given.length !== 1) throw new InputError('argument', where, `needs exactly one of weights, files, simulate or transform (its up and down templates), got ${given.length === 0 ? 'none' : given.join(' and ')}`);
  return given[0];
}

/** Structural checks that need no events. */
function checkConfig(config: AnalysisConfig): void {
  const kinds = config.channels.map(channelKind);
  if (config.split) {
    const s = config.split.train + config.split.validation + config.split.test;
    if (s > 1 + 1e-12) throw new InputError('argument', 'split', `fractions sum to ${s}, more than 1`);
  }
  config.channels.forEach((c, ci) => {
    if (c.observable) {
      const e = c.observable.edges;
      for (let k = 1; k < e.length; k++) {
        if (!(e[k] > e[k - 1])) throw new InputError('argument', `${at(['channels', ci], `"${c.name}"`)}.observable.edges`, `must increase: edge ${k} (${e[k]}) is not above edge ${k - 1} (${e[k - 1]})`);
      }
    }
    if (kinds[ci] === 'workspace') return;
    c.samples!.forEach((s, si) => {
      const where = at(['channels', ci, 'samples', si], `"${s.name}"`);
      if ((s.files === undefined) === (s.simulate === undefined)) throw new InputError('argument', where, 'needs exactly one of files or simulate (its events)');
      if (s.files && !config.split) throw new InputError('argument', 'split', 'is missing: samples from files are split into train, validation and test by fraction');
      if (s.simulate && !config.simulation) throw new InputError('argument', 'simulation', 'is missing: simulated samples need events and seeds per split');
      s.modifiers.forEach((m, mi) => {
        if (m.type !== 'histosys') return;
        const mw = at(['channels', ci, 'samples', si, 'modifiers', mi], `histosys "${m.name}"`);
        const kind = histosysSource(m, mw);
        if (kind === 'files' && !s.files) throw new InputError('argument', `${mw}.files`, 'alternative files need a sample read from files');
        if (kind === 'simulate' && !s.simulate) throw new InputError('argument', `${mw}.simulate`, 'alternative simulated events need a simulated sample');
        if (kind === 'transform' && kinds[ci] === 'learned') {
          for (const col of m.transform!.columns) {
            if (!config.summary.features.includes(col)) throw new InputError('argument', `${mw}.transform.columns`, `"${col}" is not a summary feature (features: ${config.summary.features.join(', ')})`);
          }
        }
      });
    });
  });
  const paramNames = new Set<string>();
  config.measurement.parameters.forEach((p, i) => {
    if (paramNames.has(p.name)) throw new InputError('argument', at(['measurement', 'parameters', i], `"${p.name}"`), 'is given twice');
    paramNames.add(p.name);
  });
}

/** The columns a file set must have, each with the config path that needs it. */
type Needs = Map<string, string>;

function need(needs: Needs, expr: Expression, where: string): void {
  for (const c of expr.columns) if (!needs.has(c)) needs.set(c, where);
}

/** A file set's events: columns by name, n. */
export interface FileEvents {
  readonly n: number;
  readonly columns: Readonly<Record<string, Float32Array>>;
  /** Names of the files (for messages). */
  readonly label: string;
  /** The key of the split draw. */
  readonly key: string;
}

/** Seeded split of n events: 0 train, 1 validation, 2 test, 3 none. */
function splitDraw(seed: string | number, key: string, n: number, f: { train: number; validation: number; test: number }): Uint8Array {
  const rng = seedrandom(`split/${String(seed)}/${key}`);
  const out = new Uint8Array(n);
  const a = f.train;
  const b = a + f.validation;
  const c = b + f.test;
  for (let i = 0; i < n; i++) {
    const u = rng();
    out[i] = u < a ? 0 : u < b ? 1 : u < c ? 2 : 3;
  }
  return out;
}

/** Evaluates an expression (or a constant) per event, checking finiteness. */
function evaluate(e: Expression | number, events: FileEvents, where: string, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  if (typeof e === 'number') return out.fill(e);
  const f = e.compile(events.columns);
  for (let k = 0; k < rows.length; k++) {
    const v = f(rows[k]);
    if (!Number.isFinite(v)) throw new InputError('argument', where, `is ${v} for event ${rows[k]} of ${events.label}`);
    out[k] = v;
  }
  return out;
}

function expressionOf(v: string | number, where: string): Expression | number {
  return typeof v === 'number' ? v : parseExpression(v, where);
}

/** What a sample in a channel reads and keeps. */
interface SamplePlan {
  readonly ci: number;
  readonly si: number;
  readonly channel: ConfigChannel;
  readonly sample: ConfigSample;
  readonly kind: 'learned' | 'fixed';
  readonly where: string;
  /** The columns of the dataset: features, or the observable. */
  readonly dataColumns: readonly string[];
  readonly weight: Expression | number;
  /** The channel's and the sample's selections (an event is kept when every one is non-zero). */
  readonly selections: ReadonlyArray<{ readonly expr: Expression; readonly where: string }>;
  readonly weightSystematics: ReadonlyArray<{ readonly name: string; readonly up: Expression | number; readonly down: Expression | number }>;
}

/**
 * Compiles a config (see the module comment).
 *
 * @throws InputError naming the config path for every problem of the config or its events (a
 *   missing column, a sample without events after its selection or in a split, NaN or all-zero
 *   weights, a POI no sample carries, ...).
 * @example
 * ```ts
 * const compiled = await compileAnalysis(parseAnalysisConfig(YAML.parse(text)), { baseDir: 'examples/ttH', splits: ['train', 'validation'] });
 * ```
 */
export async function compileAnalysis(input: AnalysisConfig | unknown, options: CompileOptions = {}): Promise<CompiledAnalysis> {
  const config = parseAnalysisConfig(input);
  checkConfig(config);
  // (no `process` in a browser: the working directory is Node's)
  const baseDir = options.baseDir ?? (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? '.';
  const splits = options.splits ?? SPLITS;
  const method = methodOf(options.method ?? config.training.method, 'training.method');
  const features = config.summary.features;
  const output: SummaryOutput = (config.summary.output ?? method.output) === 'score' ? { kind: 'score' } : { kind: 'logits', bins: config.summary.bins };
  if (method.loss.kind === 'bce' && output.kind !== 'score') throw new InputError('argument', 'summary.output', `method ${method.name} trains a score, not logits`);
  const binningMethod = output.kind === 'score' ? methodOf('bce') : methodOf('inferno');
  const binning = binningMethod.binning(config.summary.bins, { temperature: config.summary.temperature, bandwidth: config.summary.bandwidth });

  const channels: TemplateChannelSpec[] = [];
  const fills: Record<string, ChannelFill> = {};
  const sources: Record<string, Record<string, SampleSources>> = {};
  const datasets: Record<SplitName, Record<string, Dataset>> = { train: {}, validation: {}, test: {} };
  const parameters = new Map(config.measurement.parameters.map((p) => [p.name, p]));

  // --- plans of the samples of learned and fixed channels
  const plans: SamplePlan[] = [];
  for (const [ci, c] of config.channels.entries()) {
    const kind = channelKind(c, ci);
    if (kind === 'workspace') continue;
    c.samples!.forEach((s, si) => {
      const where = at(['channels', ci, 'samples', si], `"${s.name}"`);
      const selections = [
        ...(c.selection ? [{ expr: parseExpression(c.selection, `${at(['channels', ci], `"${c.name}"`)}.selection`), where: `${at(['channels', ci], `"${c.name}"`)}.selection` }] : []),
        ...(s.selection ? [{ expr: parseExpression(s.selection, `${where}.selection`), where: `${where}.selection` }] : []),
      ];
      plans.push({
        ci,
        si,
        channel: c,
        sample: s,
        kind,
        where,
        dataColumns: kind === 'learned' ? features : [c.observable!.column],
        weight: expressionOf(s.weight ?? 1, `${where}.weight`),
        selections,
        weightSystematics: s.modifiers.flatMap((m, mi) =>
          m.type === 'histosys' && m.weights
            ? [{ name: m.name, up: expressionOf(m.weights.up, `${at(['channels', ci, 'samples', si, 'modifiers', mi], `histosys "${m.name}" from weights`)}.up`), down: expressionOf(m.weights.down, `${at(['channels', ci, 'samples', si, 'modifiers', mi], `histosys "${m.name}" from weights`)}.down`) }]
            : [],
        ),
      });
    });
  }

  /** Reads a sample's events (its files, alternative files or simulation) and builds its datasets. */
  const build = async (p: SamplePlan, name: string, src: { files?: string | string[]; simulate?: SimulatedSource }, what: string, withSystematics: boolean): Promise<void> => {
    const needs: Needs = new Map();
    for (const col of p.dataColumns) needs.set(col, p.kind === 'learned' ? `summary.features ("${col}") for ${p.where}` : `${at(['channels', p.ci], `"${p.channel.name}"`)}.observable.column`);
    if (typeof p.weight !== 'number') need(needs, p.weight, `${p.where}.weight`);
    for (const sel of p.selections) need(needs, sel.expr, sel.where);
    if (withSystematics) {
      p.sample.modifiers.forEach((m, mi) => {
        if (m.type !== 'histosys' || !m.weights) return;
        const mw = at(['channels', p.ci, 'samples', p.si, 'modifiers', mi], `histosys "${m.name}" from weights`);
        for (const e of [m.weights.up, m.weights.down]) if (typeof e !== 'number') need(needs, parseExpression(e, mw), mw);
      });
    }
    const perSplit: Array<{ split: SplitName; events: FileEvents; rows: Int32Array; scale: number }> = [];
    let total = 0;
    let selected = 0;
    if (src.files) {
      const files = typeof src.files === 'string' ? [src.files] : src.files;
      const events = await filesOf(options, `${p.where}.files`).readFileSet(files, baseDir, needs, `${p.where}.files`);
      const split = config.split!;
      const draw = splitDraw(split.seed, events.key, events.n, split);
      const keep = keeper(p, events.columns);
      const lists: number[][] = [[], [], []];
      total = events.n;
      for (let i = 0; i < events.n; i++) {
        if (keep && keep(i) === 0) continue;
        selected++;
        if (draw[i] < 3) lists[draw[i]].push(i);
      }
      SPLITS.forEach((s, k) => splits.includes(s) && perSplit.push({ split: s, events, rows: Int32Array.from(lists[k]), scale: 1 / split[s] }));
    } else {
      const sim = options.simulators?.[src.simulate!.simulator];
      if (!sim) throw new InputError('argument', `${p.where}.simulate.simulator`, `unknown simulator "${src.simulate!.simulator}" (registered: ${Object.keys(options.simulators ?? {}).join(', ') || 'none'})`);
      for (const [col, where] of needs) if (!sim.columns.includes(col)) throw new InputError('argument', where, `column "${col}" not in the events of simulator "${src.simulate!.simulator}" (columns: ${sim.columns.join(', ')})`);
      for (const s of splits) {
        const { events: n, seed } = config.simulation![s];
        const key = `${src.simulate!.simulator}\u0000${src.simulate!.process}\u0000${n}\u0000${seed}`;
        let x = options.cache?.get(key);
        if (!x) {
          x = sim.simulate(src.simulate!.process, n, String(seed));
          options.cache?.set(key, x);
        }
        const d = sim.columns.length;
        const columns: Record<string, Float32Array> = {};
        for (const col of needs.keys()) {
          const j = sim.columns.indexOf(col);
          const v = new Float32Array(n);
          for (let i = 0; i < n; i++) v[i] = x[i * d + j];
          columns[col] = v;
        }
        const events: FileEvents = { n, columns, label: `simulator "${src.simulate!.simulator}" process "${src.simulate!.process}" (${s})`, key };
        const keep = keeper(p, columns);
        const rows: number[] = [];
        for (let i = 0; i < n; i++) if (!keep || keep(i) !== 0) rows.push(i);
        total += n;
        selected += rows.length;
        perSplit.push({ split: s, events, rows: Int32Array.from(rows), scale: 1 });
      }
    }
    if (selected === 0) throw new InputError('argument', p.where, `no events${what ? ` of ${what}` : ''} pass the selection${p.selections.length > 0 ? ` (${p.selections.map((x) => JSON.stringify(x.expr.source)).join(' and ')})` : ''}: 0 of ${total}`);
    for (const { split, events, rows, scale } of perSplit) {
      if (rows.length === 0) throw new InputError('argument', p.where, `has no events${what ? ` of ${what}` : ''} in the ${split} split (${selected} pass the selection): use more events or a larger fraction`);
      const x = new Float32Array(rows.length * p.dataColumns.length);
      p.dataColumns.forEach((col, j) => {
        const c = events.columns[col];
        for (let k = 0; k < rows.length; k++) x[k * p.dataColumns.length + j] = c[rows[k]];
      });
      const toWeights = (e: Expression | number, where: string): Float32Array => {
        const w = evaluate(e, events, where, rows);
        let sumAbs = 0;
        for (let k = 0; k < w.length; k++) sumAbs += Math.abs(w[k]);
        if (!(sumAbs > 0)) throw new InputError('argument', where, `is zero for every event${what ? ` of ${what}` : ''} in the ${split} split`);
        return Float32Array.from(w, (v) => v * scale);
      };
      const weights = toWeights(p.weight, `${p.where}.weight`);
      const sets: Record<string, Float32Array> = {};
      if (withSystematics) {
        p.sample.modifiers.forEach((m, mi) => {
          if (m.type !== 'histosys' || !m.weights) return;
          const mw = at(['channels', p.ci, 'samples', p.si, 'modifiers', mi], `histosys "${m.name}" from weights`);
          sets[`${m.name}:up`] = toWeights(expressionOf(m.weights.up, mw), `${mw}.up`);
          sets[`${m.name}:down`] = toWeights(expressionOf(m.weights.down, mw), `${mw}.down`);
        });
      }
      datasets[split][name] = dataset(x, p.dataColumns.length, weights, `${p.where}${what ? ` ${what}` : ''} (${split})`, sets);
    }
  };

  for (const p of plans) {
    const { channel: c, sample: s, ci, si } = p;
    const base = `${c.name}/${s.name}`;
    await build(p, base, s, '', true);
    const expected = s.expected;
    const nominal: EventSource = { dataset: base, ...(expected !== undefined ? { expected } : {}) };
    const variations: Record<string, { up: EventSource; down: EventSource }> = {};
    for (const [mi, m] of s.modifiers.entries()) {
      if (m.type !== 'histosys') continue;
      const mw = at(['channels', ci, 'samples', si, 'modifiers', mi], `histosys "${m.name}"`);
      const kind = histosysSource(m, mw);
      const side = async (dir: 'up' | 'down'): Promise<EventSource> => {
        if (kind === 'weights') return { dataset: base, weights: `${m.name}:${dir}`, ...(expected !== undefined ? { expected, expectedOf: NOMINAL_WEIGHTS } : {}) };
        if (kind === 'transform') {
          const t = m.transform!;
          const columns = p.dataColumns.flatMap((col, j) => (t.columns.includes(col) ? [j] : []));
          const value = t[dir];
          const transform: FeatureTransform = t.kind === 'scale' ? { kind: 'scale', columns, factor: value } : { kind: 'shift', columns, shift: value };
          return { dataset: base, ...(columns.length > 0 ? { transform } : {}), ...(expected !== undefined ? { expected } : {}) };
        }
        const name = `${base}/${m.name}:${dir}`;
        const alt = kind === 'files' ? { files: m.files![dir] } : { simulate: m.simulate![dir] };
        await build({ ...p, where: `${mw}.${kind}.${dir}` }, name, alt, `histosys "${m.name}" ${dir}`, false);
        return { dataset: name, ...(expected !== undefined ? { expected } : {}) };
      };
      variations[m.name] = { up: await side('up'), down: await side('down') };
    }
    (sources[c.name] ??= {})[s.name] = { nominal, ...(Object.keys(variations).length > 0 ? { variations } : {}) };
  }

  // --- the template spec and the channel fills
  for (const [ci, c] of config.channels.entries()) {
    const kind = channelKind(c, ci);
    if (kind === 'workspace') {
      const ws = workspaceChannel(c, ci, baseDir, options);
      channels.push(ws.channel);
      fills[c.name] = { kind: 'observable', edges: Array.from({ length: ws.channel.bins + 1 }, (_, k) => k) };
      sources[c.name] = ws.sources;
      for (const s of SPLITS) Object.assign(datasets[s], ws.datasets);
      continue;
    }
    fills[c.name] = kind === 'learned' ? { kind: 'summary' } : { kind: 'observable', edges: c.observable!.edges, ...(c.observable!.overflow ? { overflow: c.observable!.overflow } : {}) };
    channels.push({
      name: c.name,
      bins: kind === 'learned' ? config.summary.bins : c.observable!.edges.length - 1,
      samples: c.samples!.map((s) => ({ name: s.name, modifiers: s.modifiers.map(toTemplateModifier) })),
    });
  }
  const lumiNames = new Set(channels.flatMap((c) => c.samples.flatMap((s) => s.modifiers.filter((m) => m.type === 'lumi').map((m) => m.name))));
  let lumi: AnalysisTemplateSpec['lumi'];
  const templateParameters: TemplateParameter[] = [];
  config.measurement.parameters.forEach((p, i) => {
    const where = at(['measurement', 'parameters', i], `"${p.name}"`);
    if (lumiNames.has(p.name)) {
      if (p.auxdata === undefined || p.sigma === undefined) throw new InputError('argument', where, 'a lumi parameter needs auxdata and sigma (its auxiliary measurement)');
      if (p.constraint !== undefined) throw new InputError('argument', `${where}.constraint`, 'a lumi parameter is constrained by its auxdata and sigma');
      lumi = { auxdata: p.auxdata, sigma: p.sigma, ...(p.bounds ? { bounds: p.bounds } : {}), ...(p.init !== undefined ? { init: p.init } : {}) };
      return;
    }
    if (p.auxdata !== undefined || p.sigma !== undefined) throw new InputError('argument', where, 'auxdata and sigma are for lumi parameters; constrain others with constraint: { mean, sigma }');
    if (p.name === config.measurement.poi) return;
    templateParameters.push({
      name: p.name,
      ...(p.constraint !== undefined ? { constraint: p.constraint === 'free' ? { kind: 'free' } : { kind: 'normal', mean: p.constraint.mean, sigma: p.constraint.sigma } } : {}),
      ...(p.bounds ? { bounds: p.bounds } : {}),
      ...(p.init !== undefined ? { init: p.init } : {}),
      ...(p.fixed ? { fixed: true } : {}),
    });
  });
  if (lumiNames.size > 0 && !lumi) throw new InputError('argument', 'measurement.parameters', `the lumi modifier "${[...lumiNames][0]}" needs a parameter with its auxdata and sigma, e.g. { name: ${[...lumiNames][0]}, auxdata: 1, sigma: 0.02 }`);
  const poiParameter = parameters.get(config.measurement.poi);
  const template: AnalysisTemplateSpec = {
    channels,
    poi: { name: config.measurement.poi, ...(poiParameter?.bounds ? { bounds: poiParameter.bounds } : {}), ...(poiParameter?.init !== undefined ? { init: poiParameter.init } : {}) },
    parameters: templateParameters,
    ...(lumi ? { lumi } : {}),
    ...(config.measurement.interpolation ? { interpolation: config.measurement.interpolation } : {}),
  };
  if (!channels.some((c) => c.samples.some((s) => s.modifiers.some((m) => m.type === 'normfactor' && m.name === config.measurement.poi)))) {
    throw new InputError('argument', 'measurement.poi', `no sample carries a normfactor "${config.measurement.poi}" (the POI)`);
  }
  const spec: AnalysisSpec = { template, channels: fills, sources, binning, ...(config.summary.floor !== undefined ? { floor: config.summary.floor } : {}), ...(config.summary.hardFloor ? { hardFloor: true } : {}) };
  let analysis: Analysis;
  try {
    analysis = new Analysis(spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError('argument', `config: ${e.where}`, e.problem);
    throw e;
  }
  // the floor of the soft counts: 1e-3 x the smallest nominal yield of a learned slot / bins
  const ref = splits.includes('train') ? datasets.train : datasets[splits[0]];
  const yields = analysis.plan().filter((e) => e.fill.kind === 'summary' && e.slot.role === 'nominal').map((e) => {
    const d = ref[e.source.dataset];
    return d ? Math.abs(Analysis.weightScale(d, e.source) * sumAll(d)) : Infinity;
  });
  const smallest = Math.min(...yields.filter(Number.isFinite));
  if (Number.isFinite(smallest) && spec.floor === undefined) analysis = new Analysis({ ...spec, floor: (1e-3 * smallest) / Math.max(1, analysis.bins) });
  let standardisation: Standardisation | undefined;
  if (splits.includes('train')) standardisation = standardise(config, analysis, datasets.train);
  const built: Partial<Record<SplitName, Record<string, Dataset>>> = {};
  for (const s of splits) built[s] = datasets[s];
  return { config, method, analysis, binning, output, features, datasets: built, ...(standardisation ? { standardisation } : {}) };
}

/** The event filter of a sample's selections (undefined: every event). */
function keeper(p: SamplePlan, columns: Readonly<Record<string, ArrayLike<number>>>): ((i: number) => number) | undefined {
  if (p.selections.length === 0) return undefined;
  const fs = p.selections.map((x) => x.expr.compile(columns));
  return fs.length === 1 ? fs[0] : (i) => (fs.every((f) => f(i) !== 0) ? 1 : 0);
}

function sumAll(d: Dataset): number {
  if (!d.weights) return d.n;
  let s = 0;
  for (let i = 0; i < d.n; i++) s += d.weights[i];
  return s;
}

/** The input standardisation: mean and spread of the training events of the chosen samples. */
function standardise(config: AnalysisConfig, analysis: Analysis, train: Readonly<Record<string, Dataset>>): Standardisation {
  const chosen = config.summary.standardise;
  const names = analysis
    .plan()
    .filter((e) => e.fill.kind === 'summary' && e.slot.role === 'nominal' && (!chosen || chosen.includes(e.slot.sample)))
    .map((e) => e.source.dataset);
  if (chosen) {
    chosen.forEach((s, i) => {
      if (!analysis.plan().some((e) => e.fill.kind === 'summary' && e.slot.sample === s)) throw new InputError('argument', `summary.standardise[${i}]`, `"${s}" is no sample of a learned channel`);
    });
  }
  const ds = [...new Set(names)].map((n) => train[n]);
  const total = ds.reduce((t, d) => t + d.x.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const d of ds) (all.set(d.x, o), (o += d.x.length));
  return fitStandardisation(all, config.summary.features.length);
}

function toTemplateModifier(m: ConfigSample['modifiers'][number]): TemplateModifier {
  switch (m.type) {
    case 'normsys':
      return { type: 'normsys', name: m.name, hi: m.hi, lo: m.lo };
    case 'histosys':
      return { type: 'histosys', name: m.name };
    default:
      return { type: m.type, name: m.name };
  }
}

interface WorkspaceSample {
  name: string;
  data: number[];
  modifiers: Array<{ name: string; type: string; data: unknown }>;
}

/** A channel copied from a pyhf workspace: its template channel, sources and bin datasets. */
function workspaceChannel(c: ConfigChannel, ci: number, baseDir: string, options: CompileOptions): { channel: TemplateChannelSpec; sources: Record<string, SampleSources>; datasets: Record<string, Dataset> } {
  const where = `${at(['channels', ci], `"${c.name}"`)}.workspace`;
  const files = filesOf(options, `${where}.file`);
  let ws: { channels?: Array<{ name: string; samples: WorkspaceSample[] }> };
  try {
    ws = JSON.parse(files.readText(c.workspace!.file, baseDir));
  } catch (e) {
    throw new InputError('io', `${where}.file`, `${c.workspace!.file} is not a readable JSON workspace (${(e as Error).message.split('\n')[0]})`);
  }
  const ch = ws.channels?.find((x) => x.name === c.workspace!.channel);
  if (!ch) throw new InputError('argument', `${where}.channel`, `no channel "${c.workspace!.channel}" in ${c.workspace!.file} (channels: ${(ws.channels ?? []).map((x) => x.name).join(', ')})`);
  const bins = ch.samples[0]?.data.length ?? 0;
  const sources: Record<string, SampleSources> = {};
  const datasets: Record<string, Dataset> = {};
  const samples = ch.samples.map((s, si) => {
    const sw = `${where} sample ${si} ("${s.name}")`;
    if (s.data.length !== bins) throw new InputError('argument', sw, `has ${s.data.length} bins, the channel has ${bins}`);
    const sets: Record<string, Float32Array> = {};
    const modifiers: TemplateModifier[] = [];
    const variations: Record<string, { up: EventSource; down: EventSource }> = {};
    const name = `${c.name}/${s.name}`;
    let sumw2: EventSource | undefined;
    for (const m of s.modifiers) {
      const d = m.data as { hi_data: number[]; lo_data: number[] } & { hi: number; lo: number } & number[];
      switch (m.type) {
        case 'histosys':
          sets[`${m.name}:up`] = Float32Array.from(d.hi_data);
          sets[`${m.name}:down`] = Float32Array.from(d.lo_data);
          variations[m.name] = { up: { dataset: name, weights: `${m.name}:up` }, down: { dataset: name, weights: `${m.name}:down` } };
          modifiers.push({ type: 'histosys', name: m.name });
          break;
        case 'normsys':
          modifiers.push({ type: 'normsys', name: m.name, hi: d.hi, lo: d.lo });
          break;
        case 'staterror':
        case 'shapesys':
          if (sumw2) throw new InputError('argument', sw, 'carries both a staterror and a shapesys with their own uncertainties; one sum of squared weights per sample is supported');
          sets.sumw2 = Float32Array.from(d as number[]);
          sumw2 = { dataset: name, weights: 'sumw2' };
          modifiers.push({ type: m.type, name: m.name });
          break;
        case 'normfactor':
        case 'lumi':
        case 'shapefactor':
          modifiers.push({ type: m.type, name: m.name });
          break;
        default:
          throw new InputError('argument', sw, `modifier "${m.name}" has unknown type ${JSON.stringify(m.type)}`);
      }
    }
    datasets[name] = dataset(Float32Array.from({ length: bins }, (_, b) => b + 0.5), 1, Float32Array.from(s.data), sw, sets);
    sources[s.name] = { nominal: { dataset: name }, ...(sumw2 ? { sumw2 } : {}), ...(Object.keys(variations).length > 0 ? { variations } : {}) };
    return { name: s.name, modifiers };
  });
  return { channel: { name: c.name, bins, samples }, sources, datasets };
}
