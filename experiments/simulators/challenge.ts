/**
 * A simulator in the style of the FAIR Universe HiggsML Uncertainty Challenge (2024-25,
 * github.com/FAIR-Universe/HEP-Challenge at commit 31816a0d8c8dda03d4b28d9e824674821756962b):
 * a signal `htautau` (H -> tau tau) and three backgrounds `ztautau`, `ttbar`, `diboson` in the
 * lepton + hadronic-tau final state, the challenge's column names and conventions, and its six
 * nuisance parameters acting as they do there.
 *
 * **Events.** Each event is generated at the four-momentum level and stored as the challenge's
 * primitive columns ({@link CHALLENGE_COMPONENTS}: the PRI_ columns of the challenge's data,
 * plus the two unit normals of the soft-MET term). Resonant processes (`htautau`: m = 125 GeV;
 * `ztautau`: Breit-Wigner m = 91.19, Gamma = 2.50 GeV in [60, 160]) recoil against the jets and
 * a soft recoil, decay isotropically to tau pairs, and the taus decay collinearly: the hadronic
 * tau keeps a fraction `x_h` of the tau momentum with density `2x` and the lepton `x_l` with
 * density `2(1 - x)` (close to the unpolarised leptonic spectrum `(5 - 9x^2 + 4x^3)/3`: mean
 * 1/3 against 0.35); the neutrinos carry the rest. `ttbar` and `diboson` are pairs of W bosons
 * (harder for ttbar, with more jets), one decaying to a hadronic tau, the other to a lepton
 * (prompt with probability 2/3, else through a leptonic tau). Jets: a process-dependent
 * multiplicity, pT above the pre-selection with an exponential tail, plus (signal only) a
 * VBF-like fraction of forward jet pairs with large rapidity gap. The missing transverse
 * momentum is the neutrinos' plus a Gaussian resolution `0.5 sqrt(sum pT)` GeV per component.
 * Pre-selection (the stored events, at nominal): `pT(tau_had), pT(jet) > 26 / 1.1` GeV (so that
 * no event below it could pass the post-selection anywhere in the TES/JES range), `pT(lep) > 20`
 * GeV, `|eta| < 2.5` for the tau and the lepton.
 *
 * **Nuisances** ({@link CHALLENGE_NUISANCE_PRIORS}, priors and ranges of the challenge's
 * ingestion.py lines 188-214), applied by {@link deriveChallengeFeatures} as the challenge's
 * `systematics()` does (systematics.py `mom4_manipulate`, `postprocess`, the weight norms and
 * `get_bootstrapped_dataset`; derived features: derived_quantities.py):
 * - TES scales `PRI_had_pt` and moves the MET by `(1 - tes) pT(tau_had)` (nominal vector);
 * - JES scales the leading and subleading jet pT and `PRI_jet_all_pt`, and moves the MET by
 *   `(1 - jes) pT(jet)` of the two leading jets;
 * - the soft-MET term adds `softMet (z_x, z_y)` to the MET vector, `z` two unit normals stored
 *   per event (the challenge draws `normal(0, soft_met)` from a fixed seed, which is the same);
 * - post-selection: the event is kept when `pT(tau_had) >= 26` and `pT(lep) >= 20` GeV; a
 *   leading or subleading jet with `0 <= pT <= 26` GeV is removed (`PRI_n_jets - 1`, its pT
 *   subtracted from `PRI_jet_all_pt`, its columns set to -25);
 * - the normalisations multiply the expected yields ({@link challengeNormalisation}):
 *   `ztautau` by `bkgScale`, `ttbar` by `ttbarScale bkgScale`, `diboson` by
 *   `dibosonScale bkgScale`, the signal by mu.
 *
 * Departures from the challenge's code, all deliberate: no rounding of the primitives to 3
 * decimals after the systematics (it would make the transforms non-differentiable);
 * `DER_mass_jet_jet` is defined when both leading jets are present after the post-selection
 * (the challenge tests `PRI_n_jets >= 2`, which differs only for events with a third jet whose
 * subleading jet was removed, where the challenge's value is meaningless).
 *
 * **Yields** ({@link CHALLENGE_YIELDS}): the challenge's expected events per pseudo-experiment
 * at 10 fb^-1 (Zenodo record 15131565): signal 1015, Z 1 002 395, diboson 3783, ttbar 44 192,
 * read as the expected counts after the post-selection at nominal TES and JES. A simulated sample
 * estimates the acceptance at other values by its own events: the expected yield of the events
 * passing at `nu` is `Y (norm factor) n_pass(nu) / n_pass(nominal)`.
 *
 * Sampling: seedrandom's Alea stream seeded with `challenge/<process>/<seed>` (Alea rather than
 * the ARC4 of the other simulators: 6x faster, which is what makes a million events a second);
 * the nuisances never enter the generation, so the events at any nuisance values are the
 * nominal events transformed (common random numbers, as INFERNO's transforms).
 */
import seedrandom from 'seedrandom';
import { dataset, type Dataset } from '../../src/models/data.js';
import { InputError, NumericalError } from '../../src/stats/errors.js';

/** The challenge's processes (its `detailed_labels`). */
export type ChallengeProcess = 'htautau' | 'ztautau' | 'ttbar' | 'diboson';

/** The processes, signal first. */
export const CHALLENGE_PROCESSES: readonly ChallengeProcess[] = ['htautau', 'ztautau', 'ttbar', 'diboson'];

/** The signal process (scaled by the signal strength mu). */
export const CHALLENGE_SIGNAL: ChallengeProcess = 'htautau';

/** The luminosity of the challenge's pseudo-experiments, fb^-1. */
export const CHALLENGE_LUMINOSITY_FB = 10;

/**
 * Expected events per process in a pseudo-experiment of 10 fb^-1 at nominal nuisances (after
 * the post-selection): the challenge's numbers (Zenodo record 15131565, "LHC events"; the
 * public 1000-event sample's weights sum to 1038.6, 1 003 219, 40 906 and 6269 per process).
 */
export const CHALLENGE_YIELDS: Readonly<Record<ChallengeProcess, number>> = { htautau: 1015, ztautau: 1_002_395, ttbar: 44_192, diboson: 3783 };

/** The six nuisance parameters, in the challenge's units. */
export interface ChallengeNuisances {
  /** Tau energy scale (factor on the hadronic tau pT). */
  readonly tes: number;
  /** Jet energy scale (factor on the jet pTs). */
  readonly jes: number;
  /** Width of the soft MET term per component, GeV. */
  readonly softMet: number;
  /** Normalisation factor of ttbar. */
  readonly ttbarScale: number;
  /** Normalisation factor of diboson. */
  readonly dibosonScale: number;
  /** Normalisation factor of every background. */
  readonly bkgScale: number;
}

/** The name of a nuisance parameter. */
export type ChallengeNuisanceName = keyof ChallengeNuisances;

/** The nuisance names, in the challenge's drawing order. */
export const CHALLENGE_NUISANCE_NAMES: readonly ChallengeNuisanceName[] = ['tes', 'jes', 'softMet', 'ttbarScale', 'dibosonScale', 'bkgScale'];

/** The no-bias values (the defaults of the challenge's `systematics()`: 1, and 0 for the soft MET). */
export const CHALLENGE_NOMINAL: ChallengeNuisances = { tes: 1, jes: 1, softMet: 0, ttbarScale: 1, dibosonScale: 1, bkgScale: 1 };

/** A prior of one nuisance: a normal or a log-normal, clipped to a range, as the challenge draws them. */
export interface ChallengeNuisancePrior {
  readonly kind: 'normal' | 'lognormal';
  /** The normal's mean (log-normal: of the logarithm). */
  readonly mean: number;
  /** The normal's standard deviation (log-normal: of the logarithm). */
  readonly sigma: number;
  /** The clipping range (np.clip a_min, a_max), also the range the simulator accepts. */
  readonly range: readonly [number, number];
  /** Where the challenge's code states it. */
  readonly source: string;
}

const INGESTION = 'HEP-Challenge@31816a0 ingestion_program/ingestion.py';

/** The challenge's priors and ranges of the nuisances (ingestion.py, `predict_submission`). */
export const CHALLENGE_NUISANCE_PRIORS: Readonly<Record<ChallengeNuisanceName, ChallengeNuisancePrior>> = {
  tes: { kind: 'normal', mean: 1, sigma: 0.01, range: [0.9, 1.1], source: `${INGESTION}:189 np.clip(random_state.normal(loc=1.0, scale=0.01), a_min=0.9, a_max=1.1)` },
  jes: { kind: 'normal', mean: 1, sigma: 0.01, range: [0.9, 1.1], source: `${INGESTION}:193 np.clip(random_state.normal(loc=1.0, scale=0.01), a_min=0.9, a_max=1.1)` },
  softMet: { kind: 'lognormal', mean: 0, sigma: 1, range: [0, 5], source: `${INGESTION}:197 np.clip(random_state.lognormal(mean=0.0, sigma=1.0), a_min=0.0, a_max=5.0)` },
  ttbarScale: { kind: 'normal', mean: 1, sigma: 0.02, range: [0.8, 1.2], source: `${INGESTION}:202 np.clip(random_state.normal(loc=1.0, scale=0.02), a_min=0.8, a_max=1.2)` },
  dibosonScale: { kind: 'normal', mean: 1, sigma: 0.25, range: [0, 2], source: `${INGESTION}:207 np.clip(random_state.normal(loc=1.0, scale=0.25), a_min=0.0, a_max=2.0)` },
  bkgScale: { kind: 'normal', mean: 1, sigma: 0.001, range: [0.99, 1.01], source: `${INGESTION}:212 np.clip(random_state.normal(loc=1.0, scale=0.001), a_min=0.99, a_max=1.01)` },
};

/**
 * The nuisance value at `z` standard deviations of its prior: `mean + sigma z` (normal) or
 * `exp(mean + sigma z)` (log-normal), unclipped — the parameterisation in which every prior
 * is N(0, 1) (soft MET: `exp(z)`, median 1 GeV).
 *
 * @example
 * ```ts
 * challengeNuisanceAt('tes', 1);      // 1.01
 * challengeNuisanceAt('softMet', -1); // exp(-1)
 * ```
 */
export function challengeNuisanceAt(name: ChallengeNuisanceName, z: number): number {
  const p = CHALLENGE_NUISANCE_PRIORS[name];
  if (!p) throw new InputError('argument', 'challengeNuisanceAt name', `must be one of ${CHALLENGE_NUISANCE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  if (!Number.isFinite(z)) throw new InputError('argument', `challengeNuisanceAt ${name}`, `z must be finite, got ${z}`);
  return p.kind === 'normal' ? p.mean + p.sigma * z : Math.exp(p.mean + p.sigma * z);
}

/**
 * Nuisances drawn from the challenge's priors, clipped to their ranges, in the challenge's order
 * (tes, jes, soft MET, ttbar, diboson, background scale) from one seeded stream.
 *
 * @example
 * ```ts
 * const nu = drawChallengeNuisances(7); // e.g. { tes: 1.004, jes: 0.991, softMet: 2.1, ... }
 * ```
 */
export function drawChallengeNuisances(seed: number | string): ChallengeNuisances {
  const rng = seedrandom.alea(`challenge/nuisances/${String(seed)}`);
  const out: Partial<Record<ChallengeNuisanceName, number>> = {};
  for (const name of CHALLENGE_NUISANCE_NAMES) {
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const [lo, hi] = CHALLENGE_NUISANCE_PRIORS[name].range;
    out[name] = Math.min(hi, Math.max(lo, challengeNuisanceAt(name, z)));
  }
  return out as ChallengeNuisances;
}

/**
 * The factor on the expected yield of `process` from the normalisation nuisances (and the
 * signal strength `mu` for the signal), as the challenge's `get_bootstrapped_dataset`.
 *
 * @example
 * ```ts
 * challengeNormalisation('ttbar', { ...CHALLENGE_NOMINAL, ttbarScale: 1.02, bkgScale: 1.001 }); // 1.02 * 1.001
 * ```
 */
export function challengeNormalisation(process: ChallengeProcess, nuisances: Partial<ChallengeNuisances> = {}, mu = 1): number {
  const nu = resolveChallengeNuisances(nuisances, 'challengeNormalisation nuisances');
  switch (process) {
    case 'htautau':
      return mu;
    case 'ztautau':
      return nu.bkgScale;
    case 'ttbar':
      return nu.ttbarScale * nu.bkgScale;
    case 'diboson':
      return nu.dibosonScale * nu.bkgScale;
    default:
      throw new InputError('argument', 'challengeNormalisation process', `must be one of ${CHALLENGE_PROCESSES.join(', ')}, got ${JSON.stringify(process)}`);
  }
}

/**
 * The stored columns of an event (nominal, nuisance-free): the challenge's primitive columns
 * (absent jets: pT, eta, phi = -25) and the two unit normals of the soft-MET term.
 */
export const CHALLENGE_COMPONENTS = [
  'PRI_had_pt',
  'PRI_had_eta',
  'PRI_had_phi',
  'PRI_lep_pt',
  'PRI_lep_eta',
  'PRI_lep_phi',
  'PRI_jet_leading_pt',
  'PRI_jet_leading_eta',
  'PRI_jet_leading_phi',
  'PRI_jet_subleading_pt',
  'PRI_jet_subleading_eta',
  'PRI_jet_subleading_phi',
  'PRI_n_jets',
  'PRI_jet_all_pt',
  'PRI_met',
  'PRI_met_phi',
  'soft_met_zx',
  'soft_met_zy',
] as const;

/** The features of the simulator (challenge column names; -25 where undefined, as the challenge). */
export const CHALLENGE_FEATURES = [
  'DER_mass_vis',
  'PRI_had_pt',
  'PRI_lep_pt',
  'PRI_met',
  'DER_mass_transverse_met_lep',
  'DER_pt_h',
  'DER_deltar_had_lep',
  'PRI_n_jets',
  'PRI_jet_leading_pt',
  'PRI_jet_all_pt',
  'DER_mass_jet_jet',
] as const;

/** Number of stored columns per event. */
export const CHALLENGE_COMPONENT_DIM = CHALLENGE_COMPONENTS.length;
/** Number of features per event. */
export const CHALLENGE_FEATURE_DIM = CHALLENGE_FEATURES.length;

/** Column index of each stored component. */
export const CHALLENGE_COMPONENT_INDEX = Object.fromEntries(CHALLENGE_COMPONENTS.map((c, i) => [c, i])) as { readonly [K in (typeof CHALLENGE_COMPONENTS)[number]]: number };
/** Column index of each feature. */
export const CHALLENGE_FEATURE_INDEX = Object.fromEntries(CHALLENGE_FEATURES.map((c, i) => [c, i])) as { readonly [K in (typeof CHALLENGE_FEATURES)[number]]: number };

/** The challenge's value of an undefined column. */
export const CHALLENGE_UNDEFINED = -25;

/** Post-selection thresholds (systematics.py `postprocess`), GeV. */
export const CHALLENGE_CUTS = { hadPt: 26, jetPt: 26, lepPt: 20 } as const;

/** Pre-selection of the stored events (nominal), GeV: below it nothing can pass the post-selection at TES, JES <= 1.1. */
export const CHALLENGE_PRESELECTION = { hadPt: 26 / 1.1, jetPt: 26 / 1.1, lepPt: 20, absEta: 2.5 } as const;

/** Generation parameters of one process (see the module comment). */
interface ProcessModel {
  readonly kind: 'resonance' | 'wpair';
  /** Resonance mass and Breit-Wigner width (0: fixed mass), GeV; mass range of the Breit-Wigner. */
  readonly mass?: number;
  readonly width?: number;
  readonly massRange?: readonly [number, number];
  /** Standard deviation of the boson rapidities. */
  readonly rapiditySd: number;
  /** W pairs: the Gamma(2, scale) of each W's pT, GeV. */
  readonly wPtScale?: number;
  /** Probabilities of 0, 1, ..., 5 jets. */
  readonly jets: readonly number[];
  /** Mean of the exponential tail of the jet pT above the pre-selection, GeV. */
  readonly jetPtMean: number;
  /** Fraction of VBF-like events (two forward jets). */
  readonly vbfFraction: number;
}

const MODELS: Readonly<Record<ChallengeProcess, ProcessModel>> = {
  htautau: { kind: 'resonance', mass: 125, width: 0, rapiditySd: 1.4, jets: [0.3, 0.32, 0.21, 0.1, 0.05, 0.02], jetPtMean: 30, vbfFraction: 0.12 },
  ztautau: { kind: 'resonance', mass: 91.19, width: 2.5, massRange: [60, 160], rapiditySd: 1.7, jets: [0.64, 0.24, 0.08, 0.03, 0.007, 0.003], jetPtMean: 25, vbfFraction: 0 },
  ttbar: { kind: 'wpair', rapiditySd: 1.1, wPtScale: 35, jets: [0.02, 0.1, 0.25, 0.3, 0.2, 0.13], jetPtMean: 45, vbfFraction: 0 },
  diboson: { kind: 'wpair', rapiditySd: 1.3, wPtScale: 20, jets: [0.55, 0.25, 0.12, 0.05, 0.02, 0.01], jetPtMean: 25, vbfFraction: 0 },
};

const W_MASS = 80.38;
/** Standard deviation of each component of the soft hadronic recoil of resonances, GeV. */
const RECOIL_SD = 10;
/** MET resolution per component: this times sqrt(sum of visible pT / GeV), GeV. */
const MET_RESOLUTION = 1.0;
const MAX_TRIES = 100_000;
const HAD_PT2 = CHALLENGE_PRESELECTION.hadPt ** 2;
const LEP_PT2 = CHALLENGE_PRESELECTION.lepPt ** 2;
const SINH2_MAX_ETA = Math.sinh(CHALLENGE_PRESELECTION.absEta) ** 2;

/** Events of one process at the four-momentum level, nominal: {@link CHALLENGE_COMPONENTS} per row. */
export interface ChallengeEvents {
  readonly process: ChallengeProcess;
  readonly n: number;
  /** Row-major [n, CHALLENGE_COMPONENT_DIM]. */
  readonly components: Float32Array;
}

/** Options of {@link generateChallengeEvents}. */
export interface ChallengeGenerationOptions {
  readonly process: ChallengeProcess;
  /** Number of events (pre-selected, before the post-selection). */
  readonly n: number;
  readonly seed: number | string;
}

function checkProcess(process: unknown, where: string): ChallengeProcess {
  if (!CHALLENGE_PROCESSES.includes(process as ChallengeProcess)) throw new InputError('argument', where, `must be one of ${CHALLENGE_PROCESSES.join(', ')}, got ${JSON.stringify(process)}`);
  return process as ChallengeProcess;
}

function checkCount(n: unknown, where: string): number {
  if (!Number.isInteger(n) || (n as number) < 1) throw new InputError('argument', where, `must be a positive integer, got ${String(n)}`);
  return n as number;
}

/**
 * `n` pre-selected events of one process at the four-momentum level (nominal, nuisance-free):
 * what {@link deriveChallengeFeatures} and the tensor transform turn into features at any
 * nuisance values. The same options give the same bytes.
 *
 * @throws InputError naming the option when the process is unknown or `n` is not a positive integer.
 * @example
 * ```ts
 * const z = generateChallengeEvents({ process: 'ztautau', n: 100_000, seed: 1 });
 * z.components[CHALLENGE_COMPONENT_INDEX.PRI_had_pt]; // the first event's tau pT, >= 26 / 1.1 GeV
 * ```
 */
export function generateChallengeEvents(options: ChallengeGenerationOptions): ChallengeEvents {
  const process = checkProcess(options.process, 'generateChallengeEvents options.process');
  const n = checkCount(options.n, 'generateChallengeEvents options.n');
  const m = MODELS[process];
  const rng = seedrandom.alea(`challenge/${process}/${String(options.seed)}`);
  let spare = NaN;
  // standard normals in pairs by Marsaglia's polar method
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = NaN;
      return z;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * rng() - 1;
      v = 2 * rng() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * f;
    return u * f;
  };
  const jetCdf = cumulative(m.jets);
  const out = new Float32Array(n * CHALLENGE_COMPONENT_DIM);
  const jetPt = new Float64Array(8);
  const jetEta = new Float64Array(8);
  const jetPhi = new Float64Array(8);
  const order = [0, 0, 0, 0, 0, 0, 0, 0];
  // the daughters of a two-body decay, written by decay()
  const d1 = new Float64Array(3);
  const d2 = new Float64Array(3);
  /**
   * An isotropic decay into two massless daughters of a particle of `mass` with transverse
   * momentum (px, py) and no longitudinal momentum (the frame in which the lab is reached by a
   * boost along z, which leaves transverse momenta alone: the pT cuts are decided here).
   */
  const decay = (px: number, py: number, mass: number): void => {
    // a uniform direction by Marsaglia's method: (2u sqrt(1 - s), 2v sqrt(1 - s), 1 - 2s)
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * rng() - 1;
      v = 2 * rng() - 1;
      s = u * u + v * v;
    } while (s >= 1);
    const q = mass / 2;
    const r = 2 * q * Math.sqrt(1 - s);
    const nx = r * u;
    const ny = r * v;
    const nz = q * (1 - 2 * s);
    const e = Math.sqrt(mass * mass + px * px + py * py);
    const bx = px / e;
    const by = py / e;
    const gamma = e / mass;
    const bp = bx * nx + by * ny;
    const c = (gamma * gamma) / (gamma + 1);
    const k1 = c * bp + gamma * q;
    const k2 = -c * bp + gamma * q;
    d1[0] = nx + k1 * bx;
    d1[1] = ny + k1 * by;
    d1[2] = nz;
    d2[0] = -nx + k2 * bx;
    d2[1] = -ny + k2 * by;
    d2[2] = -nz;
  };
  /** pz of a massless (px, py, pz) after a boost along z of rapidity ln(ey). */
  const boostZ = (px: number, py: number, pz: number, ey: number): number => ((ey - 1 / ey) * Math.sqrt(px * px + py * py + pz * pz) + (ey + 1 / ey) * pz) / 2;
  const pre = CHALLENGE_PRESELECTION;
  const peak = m.mass ?? 0;
  const halfWidth = (m.width ?? 0) / 2;
  const [massLo, massHi] = m.massRange ?? [peak, peak];
  const wPtScale = m.wPtScale ?? 0;
  for (let i = 0; i < n; i++) {
    // jets
    const u = rng();
    let nj = 0;
    while (nj < jetCdf.length - 1 && u > jetCdf[nj]) nj++;
    const vbf = m.vbfFraction > 0 && rng() < m.vbfFraction;
    if (vbf && nj < 2) nj = 2;
    let sumJx = 0;
    let sumJy = 0;
    let jetAllPt = 0;
    for (let j = 0; j < nj; j++) {
      const forward = vbf && j < 2;
      jetPt[j] = pre.jetPt - (forward ? 60 : m.jetPtMean) * Math.log(1 - rng());
      jetPhi[j] = Math.PI * (2 * rng() - 1);
      jetEta[j] = 4.5 * Math.tanh((1.8 * normal()) / 4.5);
      jetAllPt += jetPt[j];
      sumJx += jetPt[j] * Math.cos(jetPhi[j]);
      sumJy += jetPt[j] * Math.sin(jetPhi[j]);
    }
    if (vbf) {
      const centre = 0.6 * normal();
      const gap = 3 - 1.2 * Math.log(1 - rng());
      const sign = rng() < 0.5 ? 1 : -1;
      jetEta[0] = 4.5 * Math.tanh((centre + (sign * gap) / 2) / 4.5);
      jetEta[1] = 4.5 * Math.tanh((centre - (sign * gap) / 2) / 4.5);
    }
    for (let j = 0; j < nj; j++) order[j] = j;
    for (let a = 1; a < nj; a++) {
      const k = order[a];
      let b = a - 1;
      while (b >= 0 && jetPt[order[b]] < jetPt[k]) {
        order[b + 1] = order[b];
        b--;
      }
      order[b + 1] = k;
    }
    // the tau and the lepton (and the neutrinos' transverse momentum). The visible fractions
    // x_h (density 2x) and x_l (density 2(1 - x)) must bring the tau and the lepton above their
    // thresholds: a try passes with that probability, then x_h and x_l are drawn above the
    // thresholds (the same distribution as drawing them and rejecting, fewer draws)
    let hx = 0;
    let hy = 0;
    let hz = 0;
    let lx = 0;
    let ly = 0;
    let lz = 0;
    let nux = 0;
    let nuy = 0;
    let accepted = false;
    if (m.kind === 'resonance') {
      const bpx = -(sumJx + RECOIL_SD * normal());
      const bpy = -(sumJy + RECOIL_SD * normal());
      for (let t = 0; t < MAX_TRIES && !accepted; t++) {
        let mass = peak;
        if (halfWidth > 0) {
          // Breit-Wigner truncated to [massLo, massHi]: u / v is Cauchy for (u, v) uniform in the unit disk
          do {
            let u = 0;
            let v = 0;
            do {
              u = 2 * rng() - 1;
              v = 2 * rng() - 1;
            } while (u * u + v * v >= 1 || v === 0);
            mass = peak + (halfWidth * u) / v;
          } while (mass < massLo || mass > massHi);
        }
        decay(bpx, bpy, mass);
        const t1 = d1[0] * d1[0] + d1[1] * d1[1];
        const t2 = d2[0] * d2[0] + d2[1] * d2[1];
        const a2 = HAD_PT2 / t1; // squared threshold of x_h
        const b = Math.sqrt(LEP_PT2 / t2); // threshold of x_l
        if (a2 >= 1 || b >= 1 || rng() >= (1 - a2) * (1 - b) * (1 - b)) continue;
        const ey = Math.exp(m.rapiditySd * normal());
        const z1 = boostZ(d1[0], d1[1], d1[2], ey);
        const z2 = boostZ(d2[0], d2[1], d2[2], ey);
        if (z1 * z1 >= SINH2_MAX_ETA * t1 || z2 * z2 >= SINH2_MAX_ETA * t2) continue;
        const xh = Math.sqrt(a2 + (1 - a2) * rng());
        const xl = 1 - (1 - b) * Math.sqrt(1 - rng());
        hx = xh * d1[0];
        hy = xh * d1[1];
        hz = xh * z1;
        lx = xl * d2[0];
        ly = xl * d2[1];
        lz = xl * z2;
        nux = (1 - xh) * d1[0] + (1 - xl) * d2[0];
        nuy = (1 - xh) * d1[1] + (1 - xl) * d2[1];
        accepted = true;
      }
    } else {
      for (let t = 0; t < MAX_TRIES && !accepted; t++) {
        // W -> tau_had nu
        const ptW1 = -wPtScale * (Math.log(1 - rng()) + Math.log(1 - rng()));
        const phi1 = 2 * Math.PI * rng();
        decay(ptW1 * Math.cos(phi1), ptW1 * Math.sin(phi1), W_MASS);
        const t1 = d1[0] * d1[0] + d1[1] * d1[1];
        const a2 = HAD_PT2 / t1;
        if (a2 >= 1) continue;
        const tx = d1[0];
        const ty = d1[1];
        const tz = d1[2];
        const n1x = d2[0];
        const n1y = d2[1];
        // W -> lepton nu: prompt (probability 2/3, x_l = 1) or through a leptonic tau
        const ptW2 = -wPtScale * (Math.log(1 - rng()) + Math.log(1 - rng()));
        const phi2 = 2 * Math.PI * rng();
        decay(ptW2 * Math.cos(phi2), ptW2 * Math.sin(phi2), W_MASS);
        const t2 = d1[0] * d1[0] + d1[1] * d1[1];
        const b = Math.sqrt(LEP_PT2 / t2);
        if (b >= 1) continue;
        const pLep = 2 / 3 + ((1 - b) * (1 - b)) / 3;
        if (rng() >= (1 - a2) * pLep) continue;
        const z1 = boostZ(tx, ty, tz, Math.exp(m.rapiditySd * normal()));
        const z2 = boostZ(d1[0], d1[1], d1[2], Math.exp(m.rapiditySd * normal()));
        if (z1 * z1 >= SINH2_MAX_ETA * t1 || z2 * z2 >= SINH2_MAX_ETA * t2) continue;
        const xh = Math.sqrt(a2 + (1 - a2) * rng());
        const xl = rng() * pLep < 2 / 3 ? 1 : 1 - (1 - b) * Math.sqrt(1 - rng());
        hx = xh * tx;
        hy = xh * ty;
        hz = xh * z1;
        lx = xl * d1[0];
        ly = xl * d1[1];
        lz = xl * z2;
        nux = (1 - xh) * tx + n1x + (1 - xl) * d1[0] + d2[0];
        nuy = (1 - xh) * ty + n1y + (1 - xl) * d1[1] + d2[1];
        accepted = true;
      }
    }
    if (!accepted) throw new NumericalError(`generateChallengeEvents: no ${process} event passed the pre-selection in ${MAX_TRIES} tries`);
    const hadPt = Math.sqrt(hx * hx + hy * hy);
    const lepPt = Math.sqrt(lx * lx + ly * ly);
    const res = MET_RESOLUTION * Math.sqrt(hadPt + lepPt + jetAllPt);
    const mx = nux + res * normal();
    const my = nuy + res * normal();
    const o = i * CHALLENGE_COMPONENT_DIM;
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_had_pt] = hadPt;
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_had_eta] = Math.asinh(hz / hadPt);
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_had_phi] = Math.atan2(hy, hx);
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_lep_pt] = lepPt;
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_lep_eta] = Math.asinh(lz / lepPt);
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_lep_phi] = Math.atan2(ly, lx);
    for (let j = 0; j < 2; j++) {
      const at = o + (j === 0 ? CHALLENGE_COMPONENT_INDEX.PRI_jet_leading_pt : CHALLENGE_COMPONENT_INDEX.PRI_jet_subleading_pt);
      if (j < nj) {
        out[at] = jetPt[order[j]];
        out[at + 1] = jetEta[order[j]];
        out[at + 2] = jetPhi[order[j]];
      } else {
        out[at] = out[at + 1] = out[at + 2] = CHALLENGE_UNDEFINED;
      }
    }
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_n_jets] = nj;
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_jet_all_pt] = jetAllPt;
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_met] = Math.sqrt(mx * mx + my * my);
    out[o + CHALLENGE_COMPONENT_INDEX.PRI_met_phi] = Math.atan2(my, mx);
    out[o + CHALLENGE_COMPONENT_INDEX.soft_met_zx] = normal();
    out[o + CHALLENGE_COMPONENT_INDEX.soft_met_zy] = normal();
  }
  return { process, n, components: out };
}


function cumulative(p: readonly number[]): Float64Array {
  const c = new Float64Array(p.length);
  let s = 0;
  p.forEach((v, i) => (c[i] = s += v));
  for (let i = 0; i < c.length; i++) c[i] /= s;
  return c;
}

/**
 * Nuisance values with the unset ones at {@link CHALLENGE_NOMINAL}, each checked against its
 * challenge range (outside it the pre-selection of the stored events would not hold).
 *
 * @throws InputError naming `where` and the nuisance when a name is unknown or a value lies outside its range.
 * @example
 * ```ts
 * resolveChallengeNuisances({ tes: 1.02 }, 'options'); // { tes: 1.02, jes: 1, softMet: 0, ... }
 * ```
 */
export function resolveChallengeNuisances(nuisances: Partial<ChallengeNuisances> | undefined, where: string): ChallengeNuisances {
  const nu = { ...CHALLENGE_NOMINAL, ...(nuisances ?? {}) };
  for (const name of Object.keys(nuisances ?? {})) {
    if (!CHALLENGE_NUISANCE_NAMES.includes(name as ChallengeNuisanceName)) throw new InputError('argument', `${where}.${name}`, `is not a nuisance (expected ${CHALLENGE_NUISANCE_NAMES.join(', ')})`);
  }
  for (const name of CHALLENGE_NUISANCE_NAMES) {
    const v = nu[name];
    const [lo, hi] = CHALLENGE_NUISANCE_PRIORS[name].range;
    if (!Number.isFinite(v) || v < lo || v > hi) throw new InputError('argument', `${where}.${name}`, `must lie in the challenge's range [${lo}, ${hi}], got ${v}`);
  }
  return nu;
}

/** Features and the post-selection of events at given nuisances. */
export interface ChallengeFeatures {
  /** Row-major [n, CHALLENGE_FEATURE_DIM]. */
  readonly x: Float32Array;
  /** 1 where the event passes the post-selection, else 0 [n]. */
  readonly pass: Uint8Array;
}

/**
 * The features of events at given TES, JES and soft MET, and whether each passes the
 * post-selection: the challenge's `mom4_manipulate`, `postprocess` and `DER_data` in float64
 * (see the module comment), on stored components (the challenge's primitive columns and the
 * soft-MET normals). Also applies to the challenge's own data: pass its PRI_ columns and zeros
 * for the normals; `postSelection: false` skips the cuts (the derived columns of the
 * challenge's public sample are computed without them).
 *
 * @throws InputError when the components are not a multiple of CHALLENGE_COMPONENT_DIM or a
 *   nuisance lies outside its range.
 * @example
 * ```ts
 * const ev = generateChallengeEvents({ process: 'htautau', n: 1000, seed: 1 });
 * const up = deriveChallengeFeatures(ev.components, { tes: 1.01 });
 * up.x[CHALLENGE_FEATURE_INDEX.DER_mass_vis]; // sqrt(1.01) times the nominal visible mass of event 0
 * ```
 */
export function deriveChallengeFeatures(components: Float32Array, nuisances: Partial<ChallengeNuisances> = {}, options: { readonly postSelection?: boolean } = {}): ChallengeFeatures {
  const K = CHALLENGE_COMPONENT_DIM;
  if (components.length === 0 || components.length % K !== 0) throw new InputError('argument', 'deriveChallengeFeatures components', `has ${components.length} values, not a positive multiple of ${K}`);
  const { tes, jes, softMet } = resolveChallengeNuisances(nuisances, 'deriveChallengeFeatures nuisances');
  const cut = options.postSelection ?? true;
  const n = components.length / K;
  const D = CHALLENGE_FEATURE_DIM;
  const x = new Float32Array(n * D);
  const pass = new Uint8Array(n);
  const C = CHALLENGE_COMPONENT_INDEX;
  const F = CHALLENGE_FEATURE_INDEX;
  const U = CHALLENGE_UNDEFINED;
  for (let i = 0; i < n; i++) {
    const c = i * K;
    const hadEta = components[c + C.PRI_had_eta];
    const hadPhi = components[c + C.PRI_had_phi];
    const lepPt = components[c + C.PRI_lep_pt];
    const lepEta = components[c + C.PRI_lep_eta];
    const lepPhi = components[c + C.PRI_lep_phi];
    let nJets = components[c + C.PRI_n_jets];
    let jetAllPt = components[c + C.PRI_jet_all_pt] * jes;
    const met0 = components[c + C.PRI_met];
    const metPhi0 = components[c + C.PRI_met_phi];
    const cosH = Math.cos(hadPhi);
    const sinH = Math.sin(hadPhi);
    const cosL = Math.cos(lepPhi);
    const sinL = Math.sin(lepPhi);
    // mom4_manipulate: TES, JES (two leading jets), soft term
    const hadPt0 = components[c + C.PRI_had_pt];
    const hadPt = hadPt0 * tes;
    let mx = met0 * Math.cos(metPhi0) + (1 - tes) * hadPt0 * cosH;
    let my = met0 * Math.sin(metPhi0) + (1 - tes) * hadPt0 * sinH;
    let j1Pt = components[c + C.PRI_jet_leading_pt];
    let j2Pt = components[c + C.PRI_jet_subleading_pt];
    const j1Eta = components[c + C.PRI_jet_leading_eta];
    const j2Eta = components[c + C.PRI_jet_subleading_eta];
    const j1Phi = components[c + C.PRI_jet_leading_phi];
    const j2Phi = components[c + C.PRI_jet_subleading_phi];
    if (nJets > 0) {
      mx += (1 - jes) * j1Pt * Math.cos(j1Phi);
      my += (1 - jes) * j1Pt * Math.sin(j1Phi);
      j1Pt *= jes;
    }
    if (nJets > 1) {
      mx += (1 - jes) * j2Pt * Math.cos(j2Phi);
      my += (1 - jes) * j2Pt * Math.sin(j2Phi);
      j2Pt *= jes;
    }
    mx += softMet * components[c + C.soft_met_zx];
    my += softMet * components[c + C.soft_met_zy];
    const met = Math.sqrt(mx * mx + my * my);
    // postprocess: subleading, then leading jet
    if (cut) {
      if (j2Pt >= 0 && j2Pt <= CHALLENGE_CUTS.jetPt) {
        jetAllPt -= j2Pt;
        j2Pt = U;
        nJets -= 1;
      }
      if (j1Pt >= 0 && j1Pt <= CHALLENGE_CUTS.jetPt) {
        jetAllPt -= j1Pt;
        j1Pt = U;
        nJets -= 1;
      }
      pass[i] = hadPt >= CHALLENGE_CUTS.hadPt && lepPt >= CHALLENGE_CUTS.lepPt ? 1 : 0;
    } else {
      pass[i] = 1;
    }
    // DER_data (derived_quantities.py) in closed forms for massless vectors:
    // m^2 = 2 pT1 pT2 (cosh(eta1 - eta2) - cos(phi1 - phi2)) = 4 pT1 pT2 (sinh^2(d eta / 2) + sin^2(d phi / 2)),
    // mT^2 = 2 (MET pT(lep) - MET . pT(lep))
    const hpx = hadPt * cosH;
    const hpy = hadPt * sinH;
    const lpx = lepPt * cosL;
    const lpy = lepPt * sinL;
    const mvis2 = 4 * hadPt * lepPt * (Math.sinh((hadEta - lepEta) / 2) ** 2 + Math.sin((hadPhi - lepPhi) / 2) ** 2);
    const mt2 = 2 * (met * lepPt - mx * lpx - my * lpy);
    const dphi = Math.abs(mod(lepPhi - hadPhi + 3 * Math.PI, 2 * Math.PI) - Math.PI);
    const mjj = j1Pt >= 0 && j2Pt >= 0 ? 2 * Math.sqrt(j1Pt * j2Pt * (Math.sinh((j1Eta - j2Eta) / 2) ** 2 + Math.sin((j1Phi - j2Phi) / 2) ** 2)) : U;
    const o = i * D;
    x[o + F.DER_mass_vis] = Math.sqrt(Math.max(0, mvis2));
    x[o + F.PRI_had_pt] = hadPt;
    x[o + F.PRI_lep_pt] = lepPt;
    x[o + F.PRI_met] = met;
    x[o + F.DER_mass_transverse_met_lep] = Math.sqrt(Math.max(0, mt2));
    x[o + F.DER_pt_h] = Math.sqrt((hpx + lpx + mx) ** 2 + (hpy + lpy + my) ** 2);
    x[o + F.DER_deltar_had_lep] = Math.sqrt((lepEta - hadEta) ** 2 + dphi * dphi);
    x[o + F.PRI_n_jets] = nJets;
    x[o + F.PRI_jet_leading_pt] = j1Pt >= 0 ? j1Pt : U;
    x[o + F.PRI_jet_all_pt] = jetAllPt;
    x[o + F.DER_mass_jet_jet] = mjj;
  }
  return { x, pass };
}

/** numpy's mod: the result has the sign of the divisor. */
function mod(a: number, b: number): number {
  return a - b * Math.floor(a / b);
}

/** Options of {@link simulateChallenge}. */
export interface ChallengeSimulationOptions extends ChallengeGenerationOptions {
  /** Nuisance values; default {@link CHALLENGE_NOMINAL}. Each must lie in its challenge range. */
  readonly nuisances?: Partial<ChallengeNuisances>;
  /** Luminosity, fb^-1; default 10 (the challenge's). Scales the expected yield. */
  readonly luminosity?: number;
}

/** Events of one process after the post-selection at given nuisances. */
export interface ChallengeDataset extends Dataset {
  readonly process: ChallengeProcess;
  readonly nuisances: ChallengeNuisances;
  /** The feature names, in column order (CHALLENGE_FEATURES). */
  readonly features: readonly string[];
  /** The stored (nominal) components of the kept events, [n, CHALLENGE_COMPONENT_DIM]. */
  readonly components: Float32Array;
  /** Events generated (pre-selected) before the post-selection. */
  readonly generated: number;
  /** Of those, the events passing the post-selection at nominal TES and JES. */
  readonly nominalPassed: number;
  /** Expected events of the process in a pseudo-experiment at these nuisances (mu = 1): yield x normalisation x n / nominalPassed. */
  readonly expectedYield: number;
}

/**
 * Simulates `n` events of one process and applies the nuisances as the challenge's
 * `systematics()` does: features re-derived at TES, JES, soft MET, the events failing the
 * post-selection dropped (so the result has at most `n` events), the normalisations in
 * `expectedYield`. The same options give the same bytes; the same seed at other nuisance values
 * gives the same generated events, transformed.
 *
 * @throws InputError naming the option when the process is unknown, `n` is not a positive
 *   integer, a nuisance lies outside its range or the luminosity is not positive.
 * @example
 * ```ts
 * const s = simulateChallenge({ process: 'htautau', n: 100_000, seed: 1, nuisances: { tes: 1.01 } });
 * s.n;               // ~ 85 000 events after the post-selection
 * s.expectedYield;   // ~ 1015 * n / nominalPassed
 * ```
 */
export function simulateChallenge(options: ChallengeSimulationOptions): ChallengeDataset {
  const nuisances = resolveChallengeNuisances(options.nuisances, 'simulateChallenge options.nuisances');
  const luminosity = options.luminosity ?? CHALLENGE_LUMINOSITY_FB;
  if (!(luminosity > 0) || !Number.isFinite(luminosity)) throw new InputError('argument', 'simulateChallenge options.luminosity', `must be positive and finite, got ${luminosity}`);
  const process = checkProcess(options.process, 'simulateChallenge options.process');
  const n = checkCount(options.n, 'simulateChallenge options.n');
  const events = generateChallengeEvents({ process, n, seed: options.seed });
  const { x, pass } = deriveChallengeFeatures(events.components, nuisances);
  const K = CHALLENGE_COMPONENT_DIM;
  const D = CHALLENGE_FEATURE_DIM;
  let nominalPassed = 0;
  for (let i = 0; i < n; i++) if (events.components[i * K + CHALLENGE_COMPONENT_INDEX.PRI_had_pt] >= CHALLENGE_CUTS.hadPt && events.components[i * K + CHALLENGE_COMPONENT_INDEX.PRI_lep_pt] >= CHALLENGE_CUTS.lepPt) nominalPassed++;
  let kept = 0;
  for (let i = 0; i < n; i++) kept += pass[i];
  if (kept === 0) throw new NumericalError(`simulateChallenge: none of the ${n} ${process} events passes the post-selection`);
  const xs = new Float32Array(kept * D);
  const cs = new Float32Array(kept * K);
  for (let i = 0, k = 0; i < n; i++) {
    if (!pass[i]) continue;
    for (let j = 0; j < D; j++) xs[k * D + j] = x[i * D + j];
    for (let j = 0; j < K; j++) cs[k * K + j] = events.components[i * K + j];
    k++;
  }
  const d = dataset(xs, D, undefined, `simulateChallenge (${process})`);
  const expectedYield = (CHALLENGE_YIELDS[process] * luminosity * challengeNormalisation(process, nuisances) * kept) / (CHALLENGE_LUMINOSITY_FB * Math.max(1, nominalPassed));
  return { ...d, process, nuisances, features: CHALLENGE_FEATURES, components: cs, generated: n, nominalPassed, expectedYield };
}
