/**
 * The markdown report of an experiment: title, configuration, one table per benchmark (median
 * and 68% band over seeds of the Fisher and profile widths, the paper's number, the analytic
 * floor), the per-seed numbers, and the list of plot files.
 */
import { band, quantile, summariseSeeds, type Band, type SeedSummary } from './summary.js';
import { METHODS, type ExperimentResults, type PaperRow } from './types.js';

/**
 * A plot to list in the report: a title and the path of its SVG (and PNG, when written), as
 * the report should link them (relative to the report's directory).
 *
 * @example
 * ```ts
 * const p: ReportPlot = { title: 'Training curves', svg: 'plots/training.svg', png: 'plots/training.png' };
 * ```
 */
export interface ReportPlot {
  title: string;
  svg: string;
  png?: string;
}

/**
 * Options of {@link renderReport}.
 *
 * @example
 * ```ts
 * const o: RenderReportOptions = { plots: [{ title: 'Profile curves', svg: 'plots/profile.svg' }] };
 * ```
 */
export interface RenderReportOptions {
  /** Plot files to list (section "Plots"); none by default. */
  plots?: readonly ReportPlot[];
}

const TITLES: Record<ExperimentResults['command'], string> = {
  inferno: 'INFERNO benchmarks',
  ablate: 'INFERNO ablation',
  neos: 'neos objectives',
  analysis: 'Analysis',
};

/**
 * Formats a number for a table: `n/a` for NaN or undefined, `inf` / `-inf` for infinities,
 * `digits` decimals when `|x| >= 1` (or zero), three significant digits below 1 (so 0.0123
 * stays readable), and exponent notation below 1e-3.
 *
 * @example
 * ```ts
 * formatNumber(15.234);    // '15.23'
 * formatNumber(0.01234);   // '0.0123'
 * formatNumber(2.5e-5);    // '2.50e-5'
 * formatNumber(NaN);       // 'n/a'
 * ```
 */
export function formatNumber(x: number | undefined, digits = 2): string {
  if (x === undefined || Number.isNaN(x)) return 'n/a';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const a = Math.abs(x);
  if (a >= 1 || a === 0) return x.toFixed(digits);
  if (a >= 1e-3) return x.toPrecision(3);
  return x.toExponential(2);
}

/**
 * A band as `median [q16, q84]`, e.g. `15.23 [14.90, 15.61]`; `n/a` when it has no values.
 *
 * @example
 * ```ts
 * formatBand({ n: 3, median: 15.234, q16: 14.9, q84: 15.61 }); // '15.23 [14.90, 15.61]'
 * ```
 */
export function formatBand(b: Band | undefined, digits = 2): string {
  if (!b || b.n === 0) return 'n/a';
  return `${formatNumber(b.median, digits)} [${formatNumber(b.q16, digits)}, ${formatNumber(b.q84, digits)}]`;
}

/** Escapes a markdown table cell (pipes, newlines). */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map(line)];
}

function configValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return `\`${JSON.stringify(v)}\``;
}

/** The median of the non-NaN values (NaN when there are none). */
function medianOf(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x));
  return v.length === 0 ? NaN : quantile(v, 0.5);
}

/** Paper rows of a benchmark that name `method` (case-insensitive). */
function paperFor(paper: readonly PaperRow[], benchmark: number, method: string): PaperRow | undefined {
  return paper.find((p) => p.benchmark === benchmark && p.method.toLowerCase() === method.toLowerCase());
}

/**
 * Renders the markdown report of an experiment.
 *
 * Sections: a title (by command) with the date and version; the configuration (one row per
 * top-level key, objects as inline JSON); per benchmark a table with one row per method (per
 * objective for neos): seeds, the median Fisher width with its [16%, 84%] band over seeds, the
 * same for the profile width, for neos also the expected CLs and Z0, the median seconds per
 * epoch, the paper's value when `reference.paper` has one for that benchmark and method (a
 * paper row matches a method when its `method` equals the id, ignoring case; paper rows of
 * methods not run here are added below, marked `(paper)`), and the analytic floor
 * `reference.analyticFloor[benchmark]` (paper and floor columns appear only when given); then
 * the per-seed numbers, the failed runs (`results.failures`: a `failed` column in the
 * benchmark's table, a row for a method none of whose seeds finished, and a section listing each
 * failure with its error), and the list of `options.plots`.
 *
 * The POI is s for the INFERNO commands (columns `sigma_s`) and mu for neos (`sigma_mu`).
 * Widths get 2 decimals (3 significant digits below 1), CLs 3 significant digits, Z0 2 decimals.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from '../../src/stats/io.js';
 * const md = renderReport(results, { plots: [{ title: 'Training curves', svg: 'training.svg', png: 'training.png' }] });
 * writeFileAtomic('out/REPORT.md', md);
 * ```
 */
export function renderReport(results: ExperimentResults, options: RenderReportOptions = {}): string {
  const poi = results.command === 'neos' || results.command === 'analysis' ? 'mu' : 's';
  const neos = results.command === 'neos';
  const paper = results.reference?.paper ?? [];
  const floor = results.reference?.analyticFloor;
  const summaries = summariseSeeds(results.results);
  const benchmarks = [...new Set([...summaries.map((s) => s.benchmark), ...paper.map((p) => p.benchmark)])].sort((a, b) => a - b);

  const out: string[] = [];
  out.push(`# ${TITLES[results.command]}${results.command === 'analysis' && results.label ? ` ${results.label}` : ''}`, '');
  out.push(`Run of \`diffinfer ${results.command}\` on ${results.date}, diffinfer ${results.version}.`, '');
  out.push(
    `Widths are those of the POI ${poi} on the test sample with hard histograms: the Cramér-Rao (Fisher) width and the ` +
      `profile-likelihood half width (Delta NLL = 0.5). Each cell gives the median over seeds and, in brackets, the 16% and 84% quantiles.`,
    '',
  );

  out.push('## Configuration', '');
  const keys = Object.keys(results.config);
  if (keys.length === 0) out.push('(empty)');
  else out.push(...table(['key', 'value'], ['l', 'l'], keys.map((k) => [k, configValue(results.config[k])])));
  out.push('');

  const failures = results.failures ?? [];
  for (const b of benchmarks) {
    const failedHere = failures.filter((f) => f.benchmark === b);
    const failedCount = (method: string) => failedHere.filter((f) => f.method === method).length;
    // a method whose every seed failed still gets its row (0 seeds, n/a)
    const rows = [
      ...summaries.filter((s) => s.benchmark === b),
      ...[...new Set(failedHere.map((f) => f.method))]
        .filter((m) => !summaries.some((s) => s.benchmark === b && s.method === m))
        .map((method): SeedSummary => ({ benchmark: b, method, n: 0, sigmaFisher: band([]), sigmaProfile: band([]) })),
    ].sort((x, y) => METHODS.indexOf(x.method) - METHODS.indexOf(y.method));
    const paperRows = paper.filter((p) => p.benchmark === b);
    const floorValue = floor && b >= 0 && b < floor.length ? floor[b] : undefined;
    const hasPaper = paperRows.length > 0;
    const hasFloor = floorValue !== undefined;
    const hasCls = neos || rows.some((r) => r.cls);
    const hasZ0 = neos || rows.some((r) => r.z0);

    // Columns: [header, alignment, cell of a method row, cell of a paper-only row].
    type Column = [string, 'l' | 'r', (s: SeedSummary) => string, (p: PaperRow) => string];
    const columns: Column[] = [
      [neos ? 'objective' : 'method', 'l', (s) => s.method, (p) => `${p.method} (paper)`],
      ['seeds', 'r', (s) => String(s.n), () => ''],
      ...(failedHere.length > 0 ? [['failed', 'r', (s: SeedSummary) => String(failedCount(s.method)), () => ''] as Column] : []),
      [`sigma_${poi} (Fisher) median [16%, 84%]`, 'r', (s) => formatBand(s.sigmaFisher), () => ''],
      [`sigma_${poi} (profile) median [16%, 84%]`, 'r', (s) => formatBand(s.sigmaProfile), () => ''],
    ];
    if (hasCls) columns.push(['CLs median [16%, 84%]', 'r', (s) => formatBand(s.cls, 3), () => '']);
    if (hasZ0) columns.push(['Z0 median [16%, 84%]', 'r', (s) => formatBand(s.z0), () => '']);
    if (rows.some((r) => r.coverage)) {
      const n = [...new Set(results.results.filter((r) => r.benchmark === b && r.coverage).map((r) => r.coverage!.n))].join(', ');
      columns.push(
        [`coverage (N = ${n}) median [16%, 84%]`, 'r', (s) => formatBand(s.coverage, 3), () => ''],
        [`mean interval width on mu median [16%, 84%]`, 'r', (s) => formatBand(s.coverageWidth, 3), () => ''],
        ['score median [16%, 84%]', 'r', (s) => formatBand(s.coverageScore, 3), () => ''],
      );
    }
    if (rows.some((r) => r.limit)) columns.push([`expected 95% CLs limit on ${poi} median [16%, 84%]`, 'r', (s) => formatBand(s.limit, 3), () => '']);
    columns.push(['s/epoch', 'r', (s) => formatNumber(medianOf(results.results.filter((r) => r.benchmark === b && r.method === s.method).map((r) => r.secondsPerEpoch))), () => '']);
    if (hasPaper) {
      columns.push([`paper sigma_${poi}`, 'r', (s) => { const p = paperFor(paperRows, b, s.method); return p ? formatNumber(p.sigma) : ''; }, (p) => formatNumber(p.sigma)]);
    }
    if (hasFloor) columns.push(['analytic floor', 'r', () => formatNumber(floorValue), () => formatNumber(floorValue)]);

    const body: string[][] = rows.map((s) => columns.map((c) => c[2](s)));
    for (const p of paperRows) {
      if (rows.some((s) => s.method.toLowerCase() === p.method.toLowerCase())) continue;
      body.push(columns.map((c) => c[3](p)));
    }
    const header = columns.map((c) => c[0]);
    const align = columns.map((c) => c[1]);
    out.push(`## ${results.label ?? `Benchmark ${b}`}`, '');
    if (body.length === 0) out.push('(no results)');
    else out.push(...table(header, align, body));
    if (hasPaper) {
      const sources = [...new Set(paperRows.map((p) => p.source))];
      out.push('', `Paper values: ${sources.join('; ')}.`);
    }
    out.push('');
  }

  if (results.results.length > 0) {
    out.push('## Seeds', '');
    const sorted = [...results.results].sort((x, y) => x.benchmark - y.benchmark || METHODS.indexOf(x.method) - METHODS.indexOf(y.method) || x.seed - y.seed);
    const anyCls = sorted.some((r) => r.cls !== undefined);
    const anyZ0 = sorted.some((r) => r.z0 !== undefined);
    const anyLimit = sorted.some((r) => r.limit !== undefined);
    const anyCoverage = sorted.some((r) => r.coverage !== undefined);
    const header = ['benchmark', 'method', 'seed', `sigma_${poi} (Fisher)`, `sigma_${poi} (profile)`];
    const align: ('l' | 'r')[] = ['r', 'l', 'r', 'r', 'r'];
    if (anyLimit) {
      header.push('CLs limit');
      align.push('r');
    }
    if (anyCls) {
      header.push('CLs');
      align.push('r');
    }
    if (anyZ0) {
      header.push('Z0');
      align.push('r');
    }
    if (anyCoverage) {
      header.push('coverage', 'mean width', 'score', 'in band');
      align.push('r', 'r', 'r', 'l');
    }
    header.push('epochs', 'train time (s)', 'model');
    align.push('r', 'r', 'l');
    out.push(
      ...table(
        header,
        align,
        sorted.map((r) => {
          const c = [String(r.benchmark), r.method, String(r.seed), formatNumber(r.sigmaFisher), formatNumber(r.sigmaProfile)];
          if (anyLimit) c.push(r.limit === undefined ? '' : formatNumber(r.limit, 3));
          if (anyCls) c.push(r.cls === undefined ? '' : formatNumber(r.cls));
          if (anyZ0) c.push(r.z0 === undefined ? '' : formatNumber(r.z0));
          if (anyCoverage) {
            const v = r.coverage;
            c.push(v ? `${formatNumber(v.coverage, 3)} ± ${formatNumber(v.coverageError, 3)} (N = ${v.n}${v.failed ? `, ${v.failed} failed` : ''})` : '', v ? formatNumber(v.meanWidth, 3) : '', v ? formatNumber(v.score, 3) : '', v ? (v.inBand ? 'yes' : 'no') : '');
          }
          c.push(String(r.epochs), formatNumber(r.trainSeconds, 1), `\`${r.modelDir}\``);
          return c;
        }),
      ),
    );
    out.push('');
  }

  if (failures.length > 0) {
    out.push('## Failed runs', '');
    out.push(`${failures.length} run${failures.length === 1 ? '' : 's'} did not finish; the tables above leave them out (rerun them with \`--resume\`).`, '');
    const sorted = [...failures].sort((x, y) => x.benchmark - y.benchmark || METHODS.indexOf(x.method) - METHODS.indexOf(y.method) || x.seed - y.seed);
    out.push(...table(['benchmark', 'method', 'seed', 'error'], ['r', 'l', 'r', 'l'], sorted.map((f) => [String(f.benchmark), f.method, String(f.seed), `${f.error.name}: ${f.error.message}`])));
    out.push('');
  }

  out.push('## Plots', '');
  const plots = options.plots ?? [];
  if (plots.length === 0) out.push('(none)');
  for (const p of plots) out.push(`- ${p.title}: [${p.svg}](${p.svg})${p.png ? `, [${p.png}](${p.png})` : ''}`);
  out.push('');
  return out.join('\n');
}
