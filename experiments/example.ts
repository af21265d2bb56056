/**
 * The example analysis that ships with diffinfer (examples/resonance): `diffinfer example --out
 * DIR` writes its event files (Parquet, experiments/simulators/resonance.ts) and its config
 * (`analysis.yaml`, {@link RESONANCE_CONFIG}) into DIR.
 *
 * The analysis: a signal region (at least one b-tagged jet) binned by a summary of five features
 * and a control region (no b-tagged jet) with a fixed histogram of the transverse mass, which
 * constrains the free W + jets normalisation `k_wjets`; systematics: the jet energy scale (a
 * differentiable scale of mjj and ht, +-5%), the jet energy resolution (alternative top-pair
 * files at 10% and 6%), initial-state radiation and W + jets modelling (alternative weights), the
 * top-pair cross-section (normsys +-6%), the luminosity (2%) and the MC statistical uncertainty
 * (staterror) in both regions.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { InputError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { RESONANCE_COLUMNS, simulateResonance, type ResonanceProcess } from './simulators/resonance.js';

/** The config of the example (what examples/resonance/analysis.yaml holds). */
export const RESONANCE_CONFIG = `# The example analysis of diffinfer: a dijet resonance over top-pair and W + jets backgrounds.
# \`diffinfer example --out DIR\` writes this file and its event files into DIR.
name: resonance
split: { train: 0.5, validation: 0.2, test: 0.3, seed: 1 }
summary:
  features: [mjj, ht, pt_lep, met, dr_jj]
  hidden: [64, 64]
  bins: 8
channels:
  - name: SR
    selection: "nbjet >= 1"
    samples:
      - name: signal
        files: signal.parquet
        weight: w
        modifiers:
          - { type: normfactor, name: mu }
          - { type: lumi, name: lumi }
          - { type: staterror, name: staterror_SR }
          - { type: histosys, name: jes, transform: { kind: scale, columns: [mjj, ht], up: 1.05, down: 0.95 } }
          - { type: histosys, name: isr, weights: { up: w_isr_up, down: w_isr_down } }
      - name: ttbar
        files: ttbar.parquet
        weight: w
        modifiers:
          - { type: normsys, name: ttbar_xsec, hi: 1.06, lo: 0.94 }
          - { type: lumi, name: lumi }
          - { type: staterror, name: staterror_SR }
          - { type: histosys, name: jes, transform: { kind: scale, columns: [mjj, ht], up: 1.05, down: 0.95 } }
          - { type: histosys, name: isr, weights: { up: w_isr_up, down: w_isr_down } }
          - { type: histosys, name: jer, files: { up: ttbar_jer_up.parquet, down: ttbar_jer_down.parquet } }
      - name: wjets
        files: wjets.parquet
        weight: w
        modifiers:
          - { type: normfactor, name: k_wjets }
          - { type: lumi, name: lumi }
          - { type: staterror, name: staterror_SR }
          - { type: histosys, name: jes, transform: { kind: scale, columns: [mjj, ht], up: 1.05, down: 0.95 } }
          - { type: histosys, name: wshape, weights: { up: w_wshape_up, down: w_wshape_down } }
  - name: CR
    selection: "nbjet == 0"
    observable: { column: mt, edges: [0, 20, 40, 60, 80, 100, 120, 160] }
    samples:
      - name: signal
        files: signal.parquet
        weight: w
        modifiers:
          - { type: normfactor, name: mu }
          - { type: lumi, name: lumi }
          - { type: staterror, name: staterror_CR }
      - name: ttbar
        files: ttbar.parquet
        weight: w
        modifiers:
          - { type: normsys, name: ttbar_xsec, hi: 1.06, lo: 0.94 }
          - { type: lumi, name: lumi }
          - { type: staterror, name: staterror_CR }
          - { type: histosys, name: isr, weights: { up: w_isr_up, down: w_isr_down } }
      - name: wjets
        files: wjets.parquet
        weight: w
        modifiers:
          - { type: normfactor, name: k_wjets }
          - { type: lumi, name: lumi }
          - { type: staterror, name: staterror_CR }
          - { type: histosys, name: wshape, weights: { up: w_wshape_up, down: w_wshape_down } }
measurement:
  poi: mu
  parameters:
    - { name: mu, bounds: [0, 10], init: 1 }
    - { name: k_wjets, bounds: [0, 5], init: 1 }
    - { name: lumi, auxdata: 1, sigma: 0.02 }
training:
  method: inferno
  steps: 4000
  batch: 2000
  learningRate: 0.001
  validationEvery: 50
  # the JES variations on a quarter of each batch (control variates), the JER files' batches a quarter
  variationFraction: 0.25
`;

/** The event files of the example, with their process and jet resolution. */
export const RESONANCE_FILES: ReadonlyArray<{ readonly file: string; readonly process: ResonanceProcess; readonly jer?: number }> = [
  { file: 'signal.parquet', process: 'signal' },
  { file: 'ttbar.parquet', process: 'ttbar' },
  { file: 'ttbar_jer_up.parquet', process: 'ttbar', jer: 0.1 },
  { file: 'ttbar_jer_down.parquet', process: 'ttbar', jer: 0.06 },
  { file: 'wjets.parquet', process: 'wjets' },
];

/** Options of {@link writeResonanceExample}. */
export interface ExampleOptions {
  /** Events per background file; default 120 000. */
  readonly events?: number;
  /** Events of the signal file; default a third of `events`. */
  readonly signalEvents?: number;
  readonly seed?: number;
}

/**
 * Writes the example's event files and `analysis.yaml` into `dir` (each file atomically; events
 * in row groups of 100 000).
 *
 * @throws InputError naming the option for a bad event count.
 * @example
 * ```ts
 * writeResonanceExample('examples/resonance', { events: 120_000 });
 * ```
 */
export function writeResonanceExample(dir: string, options: ExampleOptions = {}): { files: string[]; events: Record<string, number> } {
  const events = options.events ?? 120_000;
  if (!Number.isInteger(events) || events < 30) throw new InputError('argument', 'events', `must be an integer >= 30, got ${events}`);
  const signalEvents = options.signalEvents ?? Math.ceil(events / 3);
  if (!Number.isInteger(signalEvents) || signalEvents < 10) throw new InputError('argument', 'signalEvents', `must be an integer >= 10, got ${signalEvents}`);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const counts: Record<string, number> = {};
  for (const f of RESONANCE_FILES) {
    const n = f.process === 'signal' ? signalEvents : events;
    const cols = simulateResonance({ process: f.process, n, seed: options.seed ?? 1, ...(f.jer !== undefined ? { jer: f.jer } : {}) });
    const buf = parquetWriteBuffer({ columnData: RESONANCE_COLUMNS.map((name) => ({ name, data: cols[name], type: 'FLOAT' as const })), rowGroupSize: 100_000 });
    writeFileAtomic(join(dir, f.file), new Uint8Array(buf));
    written.push(f.file);
    counts[f.file] = n;
  }
  writeFileAtomic(join(dir, 'analysis.yaml'), RESONANCE_CONFIG);
  written.push('analysis.yaml');
  return { files: written, events: counts };
}
