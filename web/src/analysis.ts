/**
 * What the workspace panel computes, on the library's own functions so that every number equals
 * the CLI's: the fit is `fit` (as `diffinfer fit`), CLs is `AsymptoticCalculator.hypotest` (as
 * `diffinfer cls`), the upper limit is `upperLimit` (as `diffinfer limit`) and the Brazil band
 * is `upperLimitScan` (as `diffinfer limit --scan`). Runs in the page's Web Worker; pure (no
 * DOM, no Node), so tests run it in Node too.
 */
import {
  AsymptoticCalculator,
  buildModel,
  fit,
  observedData,
  parseJsonText,
  upperLimit,
  upperLimitScan,
  workspaceFromDocuments,
  type FitResult,
  type HistFactoryModel,
  type HypotestResult,
  type ModelData,
  type TestStatistic,
  type Workspace,
} from '../../src/stats/index.js';
import { scanPoints, type ScanRange } from './scan.js';

export type { ScanRange } from './scan.js';

/** A JSON file as the page has it: its text and its name (the label of error places). */
export interface JsonFile {
  readonly text: string;
  readonly label: string;
}

/** A patch file and, for a pyhf patchset, the entry (`metadata.name`) to apply. */
export interface PatchFile extends JsonFile {
  readonly entry?: string;
}

/** What to load: a workspace, patches applied in order, the measurement (default the first). */
export interface LoadInput {
  readonly workspace: JsonFile;
  readonly patches?: readonly PatchFile[];
  readonly measurement?: string;
}

/** The loaded model, as `diffinfer inspect` summarises it. */
export interface ModelSummary {
  readonly source: string;
  readonly measurement: string;
  readonly measurements: readonly string[];
  readonly poi: string;
  readonly poiBounds: readonly [number, number];
  readonly channels: ReadonlyArray<{ readonly name: string; readonly bins: number }>;
  readonly samples: number;
  readonly parameters: number;
  readonly bins: number;
}

/** One fitted parameter (a component of a parameter set: `name` or `name[i]`). */
export interface FittedParameter {
  readonly name: string;
  readonly value: number;
  /** sqrt of the covariance diagonal; 0 for fixed or bound-active parameters. */
  readonly uncertainty: number;
  readonly fixed: boolean;
}

/** The free fit, as `diffinfer fit` prints it (flattened by component). */
export interface FitSummary {
  readonly twiceNll: number;
  readonly converged: boolean;
  readonly status: string;
  readonly iterations: number;
  readonly starts: number;
  readonly distinctMinima: number;
  readonly poiHat: number;
  readonly parameters: readonly FittedParameter[];
  readonly pulls: readonly Pull[];
}

/**
 * The pull of a constrained nuisance parameter:
 * `pull = (theta_hat - theta_0) / width`, `error = sigma_hat / width`, with the constraint's
 * centre `theta_0` and width as pyhf's `param_set.width()`: a normal constraint
 * `N(aux | theta, sigma)` has `theta_0 = aux`, width `sigma`; a Poisson constraint
 * `Pois(aux | gamma tau)` has `theta_0 = aux / tau` (1 for nominal auxiliary data), width
 * `1 / sqrt(tau)`. A pull of 0 +- 1: the data say nothing beyond the auxiliary measurement.
 */
export interface Pull {
  readonly name: string;
  readonly pull: number;
  readonly error: number;
  readonly constraint: 'normal' | 'poisson';
}

/** CLs at one POI value with the expected band, as `diffinfer cls` prints it. */
export interface ClsSummary {
  readonly mu: number;
  readonly testStat: TestStatistic;
  readonly clsObs: number;
  /** Expected CLs at -2, -1, 0, +1, +2 sigma (the CLI's `CLs_exp` order). */
  readonly clsExp: readonly number[];
}

/** Upper limits by root finding, as `diffinfer limit` prints them. */
export interface LimitSummary {
  readonly level: number;
  readonly testStat: TestStatistic;
  readonly obs: number;
  /** Expected limits at -2, -1, 0, +1, +2 sigma. */
  readonly exp: readonly number[];
}

/** CLs over a scan of the POI (the Brazil band) and the limits it interpolates, as `diffinfer limit --scan`. */
export interface ScanSummary {
  readonly level: number;
  readonly testStat: TestStatistic;
  readonly range: ScanRange;
  readonly obs: number;
  readonly exp: readonly number[];
  readonly points: ReadonlyArray<{ readonly mu: number; readonly clsObs: number; readonly clsExp: readonly number[] }>;
}

/** Pulls of the constrained parameters at `parameters` with `uncertainties` (see {@link Pull}). */
export function nuisancePulls(model: HistFactoryModel, parameters: ArrayLike<number>, uncertainties: ArrayLike<number> | undefined): Pull[] {
  return model.constraintTerms().map((term, k) => {
    const aux = model.auxdata[k];
    const centre = term.kind === 'normal' ? aux : aux / term.width;
    const width = term.kind === 'normal' ? term.width : Math.sqrt(1 / term.width);
    const i = term.parameter;
    return {
      name: model.parameterNames[i],
      pull: (parameters[i] - centre) / width,
      error: (uncertainties?.[i] ?? 0) / width,
      constraint: term.kind,
    };
  });
}

/**
 * A workspace loaded for the panel: parsed, patched, validated, the model built on its
 * measurement and the observed data. Every method runs the library function the CLI runs.
 *
 * @example
 * ```ts
 * const a = WorkspaceAnalysis.load({ workspace: { text, label: 'ws.json' } });
 * a.fit().twiceNll; // as `diffinfer fit ws.json` prints twice_nll
 * a.cls(1, 'qtilde').clsObs; // as `diffinfer cls ws.json` prints CLs_obs
 * ```
 */
export class WorkspaceAnalysis {
  private constructor(
    readonly workspace: Workspace,
    readonly model: HistFactoryModel,
    readonly data: ModelData,
    readonly summary: ModelSummary,
  ) {}

  /** Parses, patches and validates; errors are the library's `InputError`s (the CLI's messages). */
  static load(input: LoadInput): WorkspaceAnalysis {
    const doc = parseJsonText(input.workspace.text, input.workspace.label);
    const patches = (input.patches ?? []).map((p) => ({ json: parseJsonText(p.text, p.label), label: p.label, entry: p.entry }));
    const { workspace, measurement } = workspaceFromDocuments({ workspace: doc, label: input.workspace.label, patches, measurement: input.measurement });
    const model = buildModel(workspace, { measurement });
    const data = observedData(workspace, model);
    const sb = model.suggestedBounds();
    const summary: ModelSummary = {
      source: [input.workspace.label, ...patches.map((p) => (p.entry === undefined ? p.label : `${p.label}:${p.entry}`))].join(' + '),
      measurement: measurement.name,
      measurements: workspace.measurements.map((m) => m.name),
      poi: model.poiName,
      poiBounds: [sb.lower[model.poiIndex], sb.upper[model.poiIndex]],
      channels: model.channels.map((c) => ({ name: c.name, bins: c.nBins })),
      samples: model.samples.length,
      parameters: model.nPars,
      bins: model.nMainBins,
    };
    return new WorkspaceAnalysis(workspace, model, data, summary);
  }

  /** The free maximum-likelihood fit (`diffinfer fit`), with the pulls. */
  fit(): FitSummary {
    const r: FitResult = fit(this.model, this.data, {});
    const names = this.model.parameterNames;
    return {
      twiceNll: r.twiceNll,
      converged: r.converged,
      status: r.status,
      iterations: r.iterations,
      starts: r.starts,
      distinctMinima: r.distinctMinima,
      poiHat: r.parameters[this.model.poiIndex],
      parameters: names.map((name, i) => ({ name, value: r.parameters[i], uncertainty: r.uncertainties?.[i] ?? 0, fixed: r.fixed[i] })),
      pulls: nuisancePulls(this.model, r.parameters, r.uncertainties),
    };
  }

  /** CLs at `mu` with the expected band (`diffinfer cls --test-poi mu --test-stat testStat`). */
  cls(mu: number, testStat: TestStatistic): ClsSummary {
    const r = new AsymptoticCalculator(this.model, this.data, { testStat }).hypotest(mu);
    return { mu, testStat, clsObs: r.clsObs, clsExp: [...r.clsExp] };
  }

  /** Upper limits by root finding of CLs = level (`diffinfer limit --level level --test-stat testStat`). */
  upperLimits(testStat: TestStatistic, level: number): LimitSummary {
    const r = upperLimit(this.model, this.data, { testStat, level });
    return { level, testStat, obs: r.obs, exp: [...r.exp] };
  }

  /** CLs at each point of the scan and the interpolated limits (`diffinfer limit --scan lo:hi:n`). */
  scan(testStat: TestStatistic, level: number, range: ScanRange): ScanSummary {
    const r = upperLimitScan(this.model, this.data, scanPoints(range.lo, range.hi, range.n), { testStat, level });
    return {
      level,
      testStat,
      range,
      obs: r.obs,
      exp: [...r.exp],
      points: r.tests.map((t: HypotestResult) => ({ mu: t.poiTest, clsObs: t.clsObs, clsExp: [...t.clsExp] })),
    };
  }
}
