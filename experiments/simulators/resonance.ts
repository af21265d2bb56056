/**
 * The example analysis's events (examples/resonance): a dijet resonance in lepton + jets events
 * against top-pair and W + jets backgrounds, seeded, with physically named columns.
 *
 * | column | meaning |
 * |---|---|
 * | `mjj` | dijet invariant mass (GeV): signal N(450, 25) at truth, top pairs Gamma(6, 55), W + jets 60 + Gamma(2, 90); measured with the jet resolution `jer` (8%: `mjj = truth (1 + 0.08 z)`) |
 * | `ht` | scalar sum of jet pT: `0.9 / 0.6 / 0.5 x mjj` + Gamma(4, 40) / Gamma(5, 50) / Gamma(3, 45) |
 * | `pt_lep` | lepton pT: Gamma(3, 25) / Gamma(3, 22) / Gamma(3, 18) |
 * | `met` | missing transverse energy: exponential, mean 50 / 60 / 45 |
 * | `mt` | transverse mass of lepton and MET, `sqrt(2 pt_lep met (1 - cos dphi))` with dphi uniform (W + jets: a Jacobian peak, mt = 80 sqrt(u (2 - u)) smeared by 8 GeV) |
 * | `dr_jj` | the jets' separation: N(1.4, 0.5) / N(2.2, 0.8) / N(2.5, 0.9), clipped to [0.4, 5] |
 * | `nbjet` | b-tagged jets: at least one with probability 0.8 / 0.85 / 0.1 |
 * | `w` | the event weight, `sigma L / N` (expected yields before any selection: 100 / 6000 / 8000) |
 * | `w_isr_up`, `w_isr_down` | initial-state radiation: `w (1 +- 0.15 (ht - 500) / 500)`, at least `w / 2` (signal and top pairs) |
 * | `w_wshape_up`, `w_wshape_down` | W + jets modelling: `w (1 +- 0.4 tanh((mjj - 300) / 150))` (W + jets) |
 *
 * Every event consumes the same uniforms in the same order whatever the jet resolution, so the
 * detector-variation files (`jer` 10% and 6%) hold the same events measured differently.
 */
import seedrandom from 'seedrandom';
import { InputError } from '../../src/stats/errors.js';

/** The processes of the example. */
export const RESONANCE_PROCESSES = ['signal', 'ttbar', 'wjets'] as const;
export type ResonanceProcess = (typeof RESONANCE_PROCESSES)[number];

/** The columns of every file. */
export const RESONANCE_COLUMNS = ['mjj', 'ht', 'pt_lep', 'met', 'mt', 'dr_jj', 'nbjet', 'w', 'w_isr_up', 'w_isr_down', 'w_wshape_up', 'w_wshape_down'] as const;

/** Expected yields of the processes before selection. */
export const RESONANCE_YIELDS: Readonly<Record<ResonanceProcess, number>> = { signal: 100, ttbar: 6000, wjets: 8000 };

/** Options of {@link simulateResonance}. */
export interface ResonanceOptions {
  readonly process: ResonanceProcess;
  readonly n: number;
  readonly seed: number | string;
  /** Relative jet resolution; default 0.08. */
  readonly jer?: number;
}

/**
 * `n` events of one process (see the module comment) as columns; the same options give the same
 * bytes.
 *
 * @throws InputError naming the option for an unknown process, a bad count or resolution.
 * @example
 * ```ts
 * const t = simulateResonance({ process: 'ttbar', n: 1000, seed: 1 });
 * t.mjj.length; // 1000
 * ```
 */
export function simulateResonance(options: ResonanceOptions): Record<(typeof RESONANCE_COLUMNS)[number], Float32Array> {
  const { process, n } = options;
  const jer = options.jer ?? 0.08;
  if (!RESONANCE_PROCESSES.includes(process)) throw new InputError('argument', 'simulateResonance options.process', `must be one of ${RESONANCE_PROCESSES.join(', ')}, got ${JSON.stringify(process)}`);
  if (!Number.isInteger(n) || n < 1) throw new InputError('argument', 'simulateResonance options.n', `must be a positive integer, got ${n}`);
  if (!(jer >= 0 && jer < 0.5)) throw new InputError('argument', 'simulateResonance options.jer', `must be in [0, 0.5), got ${jer}`);
  const rng = seedrandom(`resonance/${process}/${String(options.seed)}`);
  const uniform = () => 1 - rng(); // (0, 1]
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * rng());
  // Gamma(k, theta) for integer k: a sum of k exponentials (k uniforms)
  const gamma = (k: number, theta: number) => {
    let s = 0;
    for (let i = 0; i < k; i++) s -= Math.log(uniform());
    return s * theta;
  };
  const exponential = (mean: number) => -mean * Math.log(uniform());
  const cols = Object.fromEntries(RESONANCE_COLUMNS.map((c) => [c, new Float32Array(n)])) as Record<(typeof RESONANCE_COLUMNS)[number], Float32Array>;
  const w = RESONANCE_YIELDS[process] / n;
  for (let i = 0; i < n; i++) {
    // a fixed number of draws per event, in a fixed order
    const zRes = normal();
    let truth: number;
    let ht: number;
    let pt: number;
    let met: number;
    let mt: number;
    let dr: number;
    let b: number;
    const dphi = Math.PI * rng();
    const mtSmear = normal();
    const u = rng();
    if (process === 'signal') {
      truth = 450 + 25 * normal();
      ht = gamma(4, 40);
      pt = gamma(3, 25);
      met = exponential(50);
      dr = 1.4 + 0.5 * normal();
      b = rng() < 0.8 ? 1 + (rng() < 0.4 ? 1 : 0) : (rng(), 0);
    } else if (process === 'ttbar') {
      truth = gamma(6, 55);
      ht = gamma(5, 50);
      pt = gamma(3, 22);
      met = exponential(60);
      dr = 2.2 + 0.8 * normal();
      b = rng() < 0.85 ? 1 + (rng() < 0.5 ? 1 : 0) : (rng(), 0);
    } else {
      truth = 60 + gamma(2, 90);
      ht = gamma(3, 45);
      pt = gamma(3, 18);
      met = exponential(45);
      dr = 2.5 + 0.9 * normal();
      b = rng() < 0.1 ? 1 : (rng(), 0);
    }
    const mjj = Math.max(10, truth * (1 + jer * zRes));
    const share = process === 'signal' ? 0.9 : process === 'ttbar' ? 0.6 : 0.5;
    ht += share * mjj;
    mt = process === 'wjets' ? Math.max(0, 80 * Math.sqrt(u * (2 - u)) + 8 * mtSmear) : Math.sqrt(2 * pt * met * (1 - Math.cos(dphi)));
    dr = Math.min(5, Math.max(0.4, dr));
    const isr = 0.15 * ((ht - 500) / 500);
    const shape = 0.4 * Math.tanh((mjj - 300) / 150);
    cols.mjj[i] = mjj;
    cols.ht[i] = ht;
    cols.pt_lep[i] = pt;
    cols.met[i] = met;
    cols.mt[i] = mt;
    cols.dr_jj[i] = dr;
    cols.nbjet[i] = b;
    cols.w[i] = w;
    cols.w_isr_up[i] = process === 'wjets' ? w : w * Math.max(0.5, 1 + isr);
    cols.w_isr_down[i] = process === 'wjets' ? w : w * Math.max(0.5, 1 - isr);
    cols.w_wshape_up[i] = process === 'wjets' ? w * (1 + shape) : w;
    cols.w_wshape_down[i] = process === 'wjets' ? w * (1 - shape) : w;
  }
  return cols;
}
