/**
 * Toy-based CLs (`cls --calculator toybased`) and toy-based limit scans (`limit --calculator
 * toybased --scan`) as jobs of units (`src/parallel/job.ts`): one unit per block of toys of one
 * stream at one tested POI value, exactly the blocks the {@link ToyCalculator} asks for (toy i of
 * a stream depends only on the seed, the stream and i). The final step replays the stored
 * blocks through the calculator (`hypotest` with a runner that reads them), so the numbers are
 * those of one calculator in one process, for any number of workers or shards.
 *
 * Node-only (files).
 */
import { join } from 'node:path';
import { InputError } from '../stats/errors.js';
import { ToyCalculator, type ToyBlockResult, type ToyBlockRunner, type ToyBlockSpec, type ToyHypotestResult, type ToyStreamResult, type ToyTestStatistic } from '../stats/inference/toy-calculator.js';
import { writeFileAtomic } from '../stats/io.js';
import { buildModel, observedData } from '../stats/model/model.js';
import type { Workspace } from '../stats/workspace/spec.js';
import { requireDone, type FinalizeInput, type UnitJob } from '../parallel/job.js';
import { modelSource } from '../parallel/tasks.js';
import type { FinalResult } from './run.js';
import { BAND_SIGMAS, scanCrossing } from './scan-job.js';

/** What defines a toy job. */
export interface ToyJobSpec {
  readonly workspace: Workspace;
  readonly measurement: string;
  readonly inputs: { readonly workspace: string; readonly patches: readonly string[] };
  /** `cls`: one hypotest at `points[0]`; `limit`: a scan and its level crossings. */
  readonly kind: 'cls' | 'limit';
  readonly points: readonly number[];
  readonly testStat: ToyTestStatistic;
  readonly ntoys: number;
  readonly seed: number;
  /** CLs level of the limit. */
  readonly level?: number;
}

/** A block of toys. */
export interface ToyUnit {
  readonly id: string;
  readonly block: ToyBlockSpec;
}

interface ToyConfig {
  readonly kind: 'cls' | 'limit';
  readonly inputs: { readonly workspace: string; readonly patches: readonly string[]; readonly measurement: string };
  readonly test_stat: ToyTestStatistic;
  readonly ntoys: number;
  readonly seed: number;
  readonly level?: number;
  readonly points: readonly number[];
}

interface ToyContext {
  readonly workspace: Workspace;
  readonly measurement: string;
}

function calculator(workspace: Workspace, measurement: string, c: Pick<ToyConfig, 'test_stat' | 'ntoys' | 'seed'>, runner?: ToyBlockRunner): ToyCalculator {
  const model = buildModel(workspace, { measurement });
  return new ToyCalculator(model, observedData(workspace, model), { testStat: c.test_stat, ntoys: c.ntoys, seed: c.seed, runner });
}

function unitId(point: number, width: number, stream: ToyBlockSpec['stream'], start: number): string {
  return `p${String(point).padStart(width, '0')}-${stream === 'background' ? 'b' : 'sb'}-${String(start).padStart(7, '0')}`;
}

/**
 * The units of a toy job: for each tested POI value (ascending), the calculator's blocks of
 * both streams, drawn at the fits the calculator uses (the fit with the POI fixed at the tested
 * value, and the background fit).
 *
 * @throws InputError for a bad seed, ntoys, test statistic or q0 at a POI value other than 0.
 * @example
 * ```ts
 * const r = await runJob(toyJob({ workspace, measurement: 'meas', inputs, kind: 'cls', points: [1], testStat: 'qtilde', ntoys: 2000, seed: 1 }), { workers: 2 }, finalizeToys);
 * ```
 */
export function toyJob(o: ToyJobSpec): UnitJob<ToyUnit, ToyBlockResult> {
  const points = [...o.points].sort((a, b) => a - b);
  const calc = calculator(o.workspace, o.measurement, { test_stat: o.testStat, ntoys: o.ntoys, seed: o.seed });
  if (o.testStat === 'q0' && points.some((mu) => mu !== 0)) throw new InputError('argument', 'tested POI value', `q0 tests ${calc.model.poiName} = 0, got ${points.find((mu) => mu !== 0)}`);
  const width = String(points.length - 1).length;
  const background = calc.backgroundGeneratingFit().parameters;
  const units: ToyUnit[] = points.flatMap((mu, k) =>
    calc.blocks(mu, calc.teststatistic(mu).fixedFit.parameters, background).map((block) => ({ id: unitId(k, width, block.stream, block.start), block })),
  );
  const source = modelSource(o.workspace, { measurement: o.measurement });
  const config: ToyConfig & { format: string; model: string; block_size: number } = {
    format: 'diffinfer-toy-units/1',
    kind: o.kind,
    model: source.key,
    inputs: { ...o.inputs, measurement: o.measurement },
    test_stat: o.testStat,
    ntoys: o.ntoys,
    seed: o.seed,
    level: o.kind === 'limit' ? o.level ?? 0.05 : undefined,
    points,
    block_size: calc.blockSize,
  };
  const context: ToyContext = { workspace: o.workspace, measurement: o.measurement };
  return {
    command: o.kind === 'cls' ? 'cls-toys' : 'limit-toys',
    config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>,
    units,
    context,
    progressLabel: 'toys',
    weight: (u) => u.block.count,
    run: (u, executor) => executor.run('toy-block', { model: source, block: u.block }),
  };
}

function streamJson(s: ToyStreamResult) {
  return { toys: s.distribution.size, failed: s.failures.count, failures: s.failures.byReason, full_multistart_refits: s.escalated };
}

/** The JSON of a toy hypotest: pyhf's keys first. */
export function toyHypotestJson(r: ToyHypotestResult, workers: number | null) {
  return {
    CLs_obs: r.clsObs,
    CLs_exp: r.clsExp,
    CLsb_obs: r.clsbObs,
    CLb_obs: r.clbObs,
    teststat_obs: r.teststatObs,
    CLs_obs_error: r.errors.clsObs,
    CLs_exp_error: r.errors.clsExp,
    CLsb_obs_error: r.errors.clsbObs,
    CLb_obs_error: r.errors.clbObs,
    calculator: 'toybased',
    test_stat: r.testStat,
    poi_test: r.poiTest,
    ntoys: r.ntoys,
    seed: r.seed,
    workers,
    signal_plus_background: streamJson(r.signalPlusBackground),
    background: streamJson(r.backgroundOnly),
  };
}

/**
 * The final step of a toy job (also `diffinfer merge`): each hypotest replayed from the stored
 * blocks; writes `results.json` and `report.md` under `out`; returns what `cls` / `limit` print
 * (with `workers`, null after a merge; results.json has it under `timing` only).
 *
 * @throws NumericalError when a unit failed, or as the calculator (every toy of a stream
 *   failed, CLb = 0, no crossing of the level).
 */
export async function finalizeToys(input: FinalizeInput<ToyBlockResult>): Promise<FinalResult<Record<string, unknown>>> {
  const c = input.config as unknown as ToyConfig;
  const ctx = input.context as ToyContext;
  const outputs = requireDone(input.records, 'the toy results');
  const byId = new Map(input.units.map((id, i) => [id, outputs[i]]));
  const width = String(c.points.length - 1).length;
  const replay: ToyBlockRunner = async (blocks) =>
    blocks.map((b) => {
      const k = c.points.indexOf(b.poiTest);
      const r = byId.get(unitId(k, width, b.stream, b.start));
      if (k < 0 || !r || r.values.length !== b.count) throw new Error(`toy block ${b.stream} ${b.start} at ${b.poiTest} has no stored unit (the units do not match the calculator's blocks)`);
      return { ...r, values: Float64Array.from(r.values) };
    });
  const calc = calculator(ctx.workspace, ctx.measurement, c, replay);
  const tests: ToyHypotestResult[] = [];
  for (const mu of c.points) tests.push(await calc.hypotest(mu));
  const workers = input.timing.workers;
  let json: Record<string, unknown>;
  if (c.kind === 'cls') json = toyHypotestJson(tests[0], workers);
  else {
    const level = c.level ?? 0.05;
    const cross = (values: number[], label: string) => scanCrossing(c.points, values, level, `${label} toy CLs`);
    json = {
      obs: cross(tests.map((t) => t.clsObs), 'observed'),
      exp: BAND_SIGMAS.map((s, k) => cross(tests.map((t) => t.clsExp[k]), `expected (${s} sigma)`)),
      calculator: 'toybased',
      test_stat: c.test_stat,
      ntoys: c.ntoys,
      seed: c.seed,
      workers,
      scan: tests.map((t) => ({ poi_test: t.poiTest, CLs_obs: t.clsObs, CLs_obs_error: t.errors.clsObs, CLs_exp: t.clsExp, CLs_exp_error: t.errors.clsExp, failed: t.signalPlusBackground.failures.count + t.backgroundOnly.failures.count })),
    };
  }
  if (input.out !== undefined) {
    const { workers: _w, ...science } = json;
    void _w;
    const results = { format: c.kind === 'cls' ? 'diffinfer-cls-toys/1' : 'diffinfer-limit-toys/1', inputs: c.inputs, ...science, timing: input.timing };
    writeFileAtomic(join(input.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  }
  return { json, code: 0 };
}
