/**
 * The workspace panel: load a pyhf workspace (file, drop, or a bundled fixture) and patches,
 * then the fit, CLs at a chosen POI value with its expected band, the upper limit with a Brazil
 * band over a scan, and the pulls. Every number comes from the worker (./worker.ts), which runs
 * the library function the CLI runs; bad input shows the line the CLI prints.
 */
import type { TestStatistic } from '../../src/stats/index.js';
import { FIXTURES, type Fixture } from '../fixtures.js';
import type { ClsSummary, FitSummary, JsonFile, LimitSummary, ModelSummary, ScanSummary } from './analysis.js';
import { defaultScan, type ScanRange } from './scan.js';
import { AnalysisClient, RequestFailure, type Timed } from './client.js';
import { append, duration, full, h, replace, short } from './dom.js';
import { brazilPlot, pullPlot } from './plots.js';
import type { PatchKind } from './protocol.js';

/** The steps of an analysis, in order; each one's result depends on those before it. */
const STEPS = ['load', 'fit', 'cls', 'limit', 'scan'] as const;
type Step = (typeof STEPS)[number];

const EXPECTED_LABELS = ['−2σ', '−1σ', 'median', '+1σ', '+2σ'];

interface PatchEntry {
  readonly file: JsonFile;
  readonly kind: PatchKind;
  entry?: string;
}

interface State {
  workspace?: JsonFile;
  patches: PatchEntry[];
  measurement?: string;
  testStat: Extract<TestStatistic, 'qtilde' | 'q'>;
  mu: number;
  level: number;
  /** The scan of the Brazil band; undefined: {@link defaultScan} of the limits. */
  scan?: ScanRange;
  summary?: ModelSummary;
  limit?: LimitSummary;
}

/** Reads a dropped or picked file as text, with its name as the label. */
async function readFile(f: File): Promise<JsonFile> {
  return { text: await f.text(), label: f.name };
}

/** The file name of a site path (`atlas-erjr/BkgOnly.json` -> `BkgOnly.json`): the CLI's label. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

async function fetchFixture(site: string): Promise<JsonFile> {
  const url = new URL(`fixtures/${site}`, document.baseURI);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url.pathname}: HTTP ${res.status}`);
  return { text: await res.text(), label: baseName(site) };
}

/** Mounts the panel in `root`. */
export function mountWorkspacePanel(root: HTMLElement): void {
  const client = new AnalysisClient();
  const state: State = { patches: [], testStat: 'qtilde', mu: 1, level: 0.05 };
  /** Per step, the number of its latest run: a reply for an older run is dropped. */
  const runs: Record<Step, number> = { load: 0, fit: 0, cls: 0, limit: 0, scan: 0 };

  // ---- inputs ----
  const fixtureSelect = h(
    'select',
    { id: 'fixture', 'data-testid': 'fixture', 'aria-label': 'bundled workspace' },
    h('option', { value: '' }, 'Bundled workspaces…'),
    ...FIXTURES.map((f) => h('option', { value: f.id }, f.label)),
  );
  const workspaceInput = h('input', { type: 'file', accept: '.json,application/json', 'data-testid': 'workspace-file', 'aria-label': 'workspace file' });
  const workspaceName = h('span', { class: 'filename', 'data-testid': 'workspace-name' }, 'none');
  const workspaceBox = h(
    'div',
    { class: 'dropzone', 'data-testid': 'workspace-drop' },
    h('div', { class: 'row' }, h('strong', {}, 'Workspace '), workspaceName),
    h('div', { class: 'row' }, workspaceInput, ' or ', fixtureSelect),
    h('div', { class: 'hint' }, 'Drop a pyhf JSON workspace here (further files dropped with it are applied as patches, in order).'),
  );

  const patchInput = h('input', { type: 'file', accept: '.json,application/json', multiple: true, disabled: true, 'data-testid': 'patch-file', 'aria-label': 'patch files' });
  const patchList = h('ol', { class: 'patches', 'data-testid': 'patch-list' });
  const patchBox = h(
    'div',
    { class: 'dropzone', 'data-testid': 'patch-drop' },
    h('div', { class: 'row' }, h('strong', {}, 'Patches '), patchInput),
    patchList,
    h('div', { class: 'hint' }, 'JSON Patch files (RFC 6902) or pyhf patchsets (choose the entry), applied in order to the workspace; a new workspace starts with none. Drop them here.'),
  );

  const measurementSelect = h('select', { 'data-testid': 'measurement', 'aria-label': 'measurement', disabled: true });
  const testStatSelect = h('select', { 'data-testid': 'test-stat', 'aria-label': 'test statistic' }, h('option', { value: 'qtilde' }, 'q̃μ (qtilde)'), h('option', { value: 'q' }, 'qμ (q)'));
  const muInput = h('input', { type: 'number', step: 'any', value: state.mu, 'data-testid': 'mu', 'aria-label': 'POI value tested', class: 'num' });
  const levelInput = h('input', { type: 'number', step: 'any', min: 0, max: 1, value: state.level, 'data-testid': 'level', 'aria-label': 'CLs level', class: 'num' });
  const scanLo = h('input', { type: 'number', step: 'any', placeholder: 'auto', 'data-testid': 'scan-lo', 'aria-label': 'scan from', class: 'num' });
  const scanHi = h('input', { type: 'number', step: 'any', placeholder: 'auto', 'data-testid': 'scan-hi', 'aria-label': 'scan to', class: 'num' });
  const scanN = h('input', { type: 'number', step: 1, min: 2, placeholder: '21', 'data-testid': 'scan-n', 'aria-label': 'scan points', class: 'num' });
  const optionError = h('span', { class: 'error', 'data-testid': 'option-error', role: 'alert' });
  const options = h(
    'div',
    { class: 'options' },
    h('label', {}, 'Measurement ', measurementSelect),
    h('label', {}, 'Test statistic ', testStatSelect),
    h('label', {}, 'CLs at POI = ', muInput),
    h('label', {}, 'CLs level ', levelInput),
    h('label', {}, 'Scan ', scanLo, ' to ', scanHi, ', points ', scanN),
    optionError,
  );

  // ---- outputs ----
  const errorLine = h('pre', { class: 'error-line', 'data-testid': 'error', role: 'alert', hidden: true });
  const status = h('div', { class: 'status', 'data-testid': 'status', 'data-state': 'idle' }, 'Choose a workspace.');
  const timings = h('div', { class: 'timings', 'data-testid': 'timings' });
  const summaryBox = h('div', { class: 'summary', 'data-testid': 'summary' });
  const fitBox = h('section', { class: 'card', 'data-testid': 'fit' });
  const clsBox = h('section', { class: 'card', 'data-testid': 'cls' });
  const limitBox = h('section', { class: 'card', 'data-testid': 'limit' });
  const pullBox = h('section', { class: 'card', 'data-testid': 'pulls' });
  const timing: Partial<Record<Step, Timed<unknown>>> = {};

  append(
    root,
    h('div', { class: 'inputs' }, workspaceBox, patchBox, options),
    errorLine,
    status,
    timings,
    summaryBox,
    h('div', { class: 'results' }, h('div', { class: 'column' }, fitBox, clsBox), limitBox, pullBox),
  );

  // ---- rendering ----
  const cliArgs = (): string => {
    const ws = state.workspace?.label ?? 'workspace.json';
    const patches = state.patches.map((p) => ` -p ${p.entry === undefined ? p.file.label : `${p.file.label}:${p.entry}`}`).join('');
    const m = state.measurement && state.summary && state.summary.measurements[0] !== state.measurement ? ` --measurement ${state.measurement}` : '';
    return `${ws}${patches}${m}`;
  };
  const command = (text: string) => h('div', { class: 'cli' }, h('code', {}, text));
  const sectionError = (box: HTMLElement, title: string, e: RequestFailure) =>
    replace(box, h('h2', {}, title), h('pre', { class: 'error-line' }, e.report.line));
  /** Widths of the figures: the pulls span the results, the Brazil band one column of two (one below 800 px). */
  const fullWidth = () => Math.max(320, root.clientWidth - 30);
  const columnWidth = () => (root.clientWidth < 800 ? fullWidth() : Math.max(320, (root.clientWidth - 12) / 2 - 30));

  function showTimings(): void {
    replace(
      timings,
      ...STEPS.filter((s) => timing[s]).map((s) =>
        h(
          'span',
          { class: 'timing', 'data-testid': `ms-${s}`, 'data-ms': timing[s]!.roundTripMs, 'data-worker-ms': timing[s]!.workerMs, title: `in the worker ${duration(timing[s]!.workerMs)}` },
          `${s} ${duration(timing[s]!.roundTripMs)}`,
        ),
      ),
      Object.keys(timing).length ? h('span', { class: 'hint' }, ' (page ⇄ worker round trips, performance.now)') : null,
    );
  }

  function showSummary(s: ModelSummary): void {
    replace(
      summaryBox,
      h('strong', {}, s.source),
      ` — measurement ${s.measurement}, POI ${s.poi} in [${s.poiBounds[0]}, ${s.poiBounds[1]}]; `,
      `${s.channels.length} channel${s.channels.length === 1 ? '' : 's'} (${s.channels.map((c) => `${c.name}: ${c.bins}`).join(', ')}), `,
      `${s.bins} bins, ${s.samples} samples, ${s.parameters} parameters`,
    );
    replace(measurementSelect, ...s.measurements.map((m) => h('option', { value: m, selected: m === s.measurement }, m)));
    measurementSelect.disabled = s.measurements.length < 2;
  }

  function showFit(f: FitSummary): void {
    const poi = state.summary!.poi;
    const poiRow = f.parameters.find((p) => p.name === poi);
    const rows = f.parameters.map((p) =>
      h('tr', { class: p.fixed ? 'fixed' : undefined }, h('td', {}, p.name), h('td', { class: 'n', title: full(p.value) }, short(p.value)), h('td', { class: 'n', title: full(p.uncertainty) }, p.fixed ? 'fixed' : short(p.uncertainty, 3))),
    );
    replace(
      fitBox,
      h('h2', {}, 'Maximum-likelihood fit'),
      h('div', { class: 'headline' }, '2NLL = ', h('code', { 'data-testid': 'twice-nll' }, full(f.twiceNll))),
      poiRow ? h('div', {}, `${poi} = `, h('code', { 'data-testid': 'poi-hat' }, full(poiRow.value)), ` ± ${short(poiRow.uncertainty, 4)}`) : null,
      h('div', { class: f.converged ? 'ok' : 'error' }, f.converged ? `converged after ${f.iterations} iterations (${f.starts} start${f.starts === 1 ? '' : 's'}, ${f.distinctMinima} distinct minim${f.distinctMinima === 1 ? 'um' : 'a'})` : `diffinfer: the fit did not converge (status ${f.status} after ${f.iterations} iterations)`),
      h('details', { open: f.parameters.length <= 40 }, h('summary', {}, `${f.parameters.length} parameters`), h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'parameter'), h('th', {}, 'value'), h('th', {}, 'uncertainty'))), h('tbody', {}, ...rows))),
      command(`diffinfer fit ${cliArgs()}`),
      refitRow(),
    );
    replace(
      pullBox,
      h('h2', {}, 'Pulls of the constrained nuisance parameters'),
      f.pulls.length ? pullPlot(f.pulls, fullWidth()) : h('p', {}, 'The model has no constrained parameters.'),
      h('div', { class: 'hint' }, 'Pull (θ̂ − θ₀)/Δθ and error σ̂/Δθ, with θ₀ and Δθ the centre and width of the constraint (pyhf\'s width(): σ for a Gaussian, 1/√τ for a Poisson constraint).'),
    );
  }

  /** Times the fit again (the model stays loaded in the worker): the round trips once the engine's code is compiled. */
  function refitRow(): HTMLElement {
    const REPEATS = 5;
    const out = h('span', { class: 'hint', 'data-testid': 'refit-times' });
    const button = h('button', { type: 'button', 'data-testid': 'refit' }, `Time ${REPEATS} refits`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      const fitRun = runs.fit;
      const ms: number[] = [];
      try {
        for (let i = 0; i < REPEATS; i++) ms.push((await client.request('fit', {})).roundTripMs);
      } catch (e) {
        if (e instanceof RequestFailure && e.report.kind !== 'cancelled') out.textContent = e.report.line;
        return;
      } finally {
        button.disabled = false;
      }
      if (runs.fit !== fitRun) return;
      const sorted = [...ms].sort((a, b) => a - b);
      out.dataset.ms = JSON.stringify(ms);
      out.dataset.medianMs = String(sorted[Math.floor(REPEATS / 2)]);
      out.textContent = ` round trips ${ms.map((x) => x.toFixed(1)).join(', ')} ms: median ${duration(sorted[Math.floor(REPEATS / 2)])}`;
    });
    return h('div', { class: 'row' }, button, out);
  }

  /** The expected band, one row per member (-2 sigma first, as the CLI's arrays). */
  function bandTable(values: readonly number[], testid: string): HTMLTableElement {
    return h(
      'table',
      { class: 'band' },
      h('tbody', {}, ...values.map((v, i) => h('tr', {}, h('th', {}, `expected ${EXPECTED_LABELS[i]}`), h('td', { class: 'n', 'data-testid': `${testid}-${i}` }, h('code', {}, full(v)))))),
    );
  }

  function showCls(c: ClsSummary): void {
    replace(
      clsBox,
      h('h2', {}, `CLs at ${state.summary!.poi} = ${c.mu} (${c.testStat})`),
      h('div', { class: 'headline' }, 'CLs observed = ', h('code', { 'data-testid': 'cls-obs' }, full(c.clsObs))),
      bandTable(c.clsExp, 'cls-exp'),
      command(`diffinfer cls ${cliArgs()} --test-poi ${c.mu} --test-stat ${c.testStat}`),
    );
  }

  function showLimit(l: LimitSummary): void {
    replace(
      limitBox,
      h('h2', {}, `Upper limit on ${state.summary!.poi} at CLs = ${l.level} (${l.testStat})`),
      h('div', { class: 'headline' }, 'observed = ', h('code', { 'data-testid': 'limit-obs' }, full(l.obs))),
      bandTable(l.exp, 'limit-exp'),
      command(`diffinfer limit ${cliArgs()} --level ${l.level} --test-stat ${l.testStat}`),
      h('div', { class: 'plot', 'data-testid': 'brazil' }, h('span', { class: 'hint' }, 'scanning…')),
    );
  }

  function showScan(s: ScanSummary): void {
    const plot = limitBox.querySelector('[data-testid=brazil]');
    if (!plot) return;
    replace(
      plot,
      brazilPlot(s, state.summary!.poi, columnWidth()),
      h('div', { class: 'hint' }, `Scan of ${s.range.n} points on [${s.range.lo}, ${s.range.hi}]; interpolated limits: observed ${short(s.obs)}, expected ${s.exp.map((x) => short(x, 4)).join(' / ')}.`),
      command(`diffinfer limit ${cliArgs()} --level ${s.level} --test-stat ${s.testStat} --scan ${s.range.lo}:${s.range.hi}:${s.range.n}`),
    );
  }

  /** The status line; `data-run` counts the runs started, `data-state` tells how the latest one is. */
  function setStatus(stateName: 'idle' | 'running' | 'done' | 'error', text: string): void {
    if (stateName === 'running') status.dataset.run = String(Number(status.dataset.run ?? 0) + 1);
    status.dataset.state = stateName;
    status.textContent = text;
  }

  function showError(line: string): void {
    errorLine.textContent = line;
    errorLine.hidden = false;
  }

  /** Empties what `step` shows (its result is being recomputed). */
  function clear(step: Step): void {
    const boxes: Record<Step, HTMLElement[]> = { load: [summaryBox], fit: [fitBox, pullBox], cls: [clsBox], limit: [limitBox], scan: [] };
    for (const b of boxes[step]) b.replaceChildren();
    const plot = limitBox.querySelector('[data-testid=brazil]');
    if (plot && step === 'scan') replace(plot, h('span', { class: 'hint' }, 'scanning…'));
    delete timing[step];
    showTimings();
  }

  // ---- running ----
  /** Runs `steps` (a suffix of the pipeline or single steps) in order; stale replies are dropped. */
  async function run(steps: readonly Step[]): Promise<void> {
    if (!state.workspace) return;
    if (steps.includes('load')) client.cancel();
    const mine: Partial<Record<Step, number>> = {};
    for (const s of steps) mine[s] = ++runs[s];
    const current = (s: Step) => runs[s] === mine[s];
    errorLine.hidden = true;
    for (const s of steps) clear(s);
    setStatus('running', `computing ${steps.join(', ')}…`);
    for (const s of steps) {
      if (!current(s)) return;
      try {
        const t = await runStep(s);
        if (!current(s)) return;
        timing[s] = t;
        showTimings();
      } catch (e) {
        if (!current(s)) return;
        if (!(e instanceof RequestFailure)) throw e;
        if (e.report.kind === 'cancelled') return;
        if (s === 'load') {
          showError(e.report.line);
          setStatus('error', 'The workspace could not be loaded.');
          return;
        }
        const box = s === 'fit' ? fitBox : s === 'cls' ? clsBox : s === 'limit' ? limitBox : (limitBox.querySelector<HTMLElement>('[data-testid=brazil]') ?? limitBox);
        sectionError(box, { fit: 'Maximum-likelihood fit', cls: 'CLs', limit: 'Upper limit', scan: 'Brazil band', load: '' }[s], e);
        if (s === 'fit') return; // the rest would fail the same way
        if (s === 'limit') break; // the automatic scan needs the limits
      }
    }
    if (steps.every((s) => current(s))) setStatus('done', 'Done.');
  }

  async function runStep(s: Step): Promise<Timed<unknown>> {
    switch (s) {
      case 'load': {
        const t = await client.request('load', {
          input: { workspace: state.workspace!, patches: state.patches.map((p) => ({ ...p.file, entry: p.entry })), measurement: state.measurement },
        });
        state.summary = t.value;
        state.measurement = t.value.measurement;
        showSummary(t.value);
        return t;
      }
      case 'fit': {
        const t = await client.request('fit', {});
        showFit(t.value);
        return t;
      }
      case 'cls': {
        const t = await client.request('cls', { mu: state.mu, testStat: state.testStat });
        showCls(t.value);
        return t;
      }
      case 'limit': {
        const t = await client.request('limit', { testStat: state.testStat, level: state.level });
        state.limit = t.value;
        showLimit(t.value);
        return t;
      }
      case 'scan': {
        if (!state.limit) throw new RequestFailure({ kind: 'internal', line: 'diffinfer: internal error: no limits to scan around' });
        const range = state.scan ?? defaultScan(state.limit.obs, state.limit.exp, state.summary!.poiBounds);
        scanLo.placeholder = String(range.lo);
        scanHi.placeholder = String(range.hi);
        const t = await client.request('scan', { testStat: state.testStat, level: state.level, range });
        showScan(t.value);
        return t;
      }
    }
  }

  // ---- input handlers ----
  function renderPatches(): void {
    replace(
      patchList,
      ...state.patches.map((p, i) => {
        const remove = h('button', { type: 'button', class: 'small', title: `remove ${p.file.label}`, 'aria-label': `remove ${p.file.label}` }, '✕');
        remove.addEventListener('click', () => {
          state.patches.splice(i, 1);
          renderPatches();
          void run(STEPS);
        });
        let entry: HTMLSelectElement | null = null;
        if (p.kind.kind === 'patchset') {
          entry = h('select', { 'aria-label': `entry of ${p.file.label}`, 'data-testid': 'patch-entry' }, ...p.kind.entries.map((n) => h('option', { value: n, selected: n === p.entry }, n)));
          entry.addEventListener('change', () => {
            p.entry = entry!.value;
            void run(STEPS);
          });
        }
        return h('li', {}, h('span', { class: 'filename' }, p.file.label), entry ? ' entry ' : null, entry, ' ', remove);
      }),
    );
  }

  async function addPatches(files: readonly JsonFile[]): Promise<boolean> {
    if (files.length) setStatus('running', `reading ${files.map((f) => f.label).join(', ')}…`);
    for (const file of files) {
      try {
        const kind = (await client.request('inspectPatch', { file })).value;
        state.patches.push({ file, kind, entry: kind.kind === 'patchset' ? kind.entries[0] : undefined });
      } catch (e) {
        if (!(e instanceof RequestFailure)) throw e;
        renderPatches();
        showError(e.report.line);
        setStatus('error', `The patch ${file.label} could not be read.`);
        return false;
      }
    }
    renderPatches();
    return true;
  }

  async function setWorkspace(file: JsonFile, patches: readonly JsonFile[], fixture?: Fixture): Promise<void> {
    client.cancel();
    state.workspace = file;
    state.patches = [];
    state.measurement = undefined;
    state.summary = undefined;
    state.limit = undefined;
    workspaceName.textContent = file.label;
    patchInput.disabled = false;
    fixtureSelect.value = fixture?.id ?? '';
    errorLine.hidden = true;
    if (await addPatches(patches)) await run(STEPS);
  }

  fixtureSelect.addEventListener('change', async () => {
    const f = FIXTURES.find((x) => x.id === fixtureSelect.value);
    if (!f) return;
    workspaceInput.value = '';
    setStatus('running', `fetching ${f.label}…`);
    try {
      const [ws, ...patches] = await Promise.all([f.workspace, ...f.patches].map((x) => fetchFixture(x.site)));
      await setWorkspace(ws, patches, f);
    } catch (e) {
      showError(`diffinfer: internal error: ${(e as Error).message}`);
      setStatus('error', 'The bundled workspace could not be fetched.');
    }
  });

  workspaceInput.addEventListener('change', async () => {
    const f = workspaceInput.files?.[0];
    if (f) await setWorkspace(await readFile(f), []);
  });

  patchInput.addEventListener('change', async () => {
    const files = await Promise.all([...(patchInput.files ?? [])].map(readFile));
    patchInput.value = '';
    if ((await addPatches(files)) && state.workspace) await run(STEPS);
  });

  for (const [zone, onDrop] of [
    [workspaceBox, async (files: JsonFile[]) => setWorkspace(files[0], files.slice(1))],
    [patchBox, async (files: JsonFile[]) => state.workspace && (await addPatches(files)) && run(STEPS)],
  ] as const) {
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', async (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const files = await Promise.all([...(e.dataTransfer?.files ?? [])].map(readFile));
      if (files.length) await onDrop(files);
    });
  }

  measurementSelect.addEventListener('change', () => {
    state.measurement = measurementSelect.value;
    void run(STEPS);
  });
  testStatSelect.addEventListener('change', () => {
    state.testStat = testStatSelect.value as State['testStat'];
    void run(['cls', 'limit', 'scan']);
  });

  /** A finite number from an input, or the reason it is not one. */
  const numberFrom = (input: HTMLInputElement, what: string, check: (x: number) => string | null = () => null): number | string => {
    const x = Number(input.value);
    if (input.value.trim() === '' || !Number.isFinite(x)) return `${what}: expected a finite number, got "${input.value}"`;
    return check(x) ?? x;
  };
  const optionOk = (r: number | string): r is number => {
    if (typeof r === 'string') {
      optionError.textContent = r;
      return false;
    }
    optionError.textContent = '';
    return true;
  };

  muInput.addEventListener('change', () => {
    const r = numberFrom(muInput, 'CLs at POI');
    if (!optionOk(r)) return;
    state.mu = r;
    if (state.summary) void run(['cls']);
  });
  levelInput.addEventListener('change', () => {
    const r = numberFrom(levelInput, 'CLs level', (x) => (x > 0 && x < 1 ? null : `CLs level: must be in (0, 1), got ${x}`));
    if (!optionOk(r)) return;
    state.level = r;
    if (state.summary) void run(['limit', 'scan']);
  });
  const onScan = () => {
    if ([scanLo, scanHi, scanN].every((i) => i.value.trim() === '')) {
      optionError.textContent = '';
      state.scan = undefined;
    } else {
      const lo = scanLo.value.trim() === '' ? Number(scanLo.placeholder) : numberFrom(scanLo, 'scan from');
      const hi = scanHi.value.trim() === '' ? Number(scanHi.placeholder) : numberFrom(scanHi, 'scan to');
      const n = scanN.value.trim() === '' ? 21 : numberFrom(scanN, 'scan points', (x) => (Number.isInteger(x) && x >= 2 ? null : `scan points: needs an integer >= 2, got ${x}`));
      if (!optionOk(lo) || !optionOk(hi) || !optionOk(n)) return;
      if (!(hi > lo)) {
        optionOk(`scan: needs to > from, got [${lo}, ${hi}]`);
        return;
      }
      state.scan = { lo, hi, n };
    }
    if (state.limit) void run(['scan']);
  };
  for (const i of [scanLo, scanHi, scanN]) i.addEventListener('change', onScan);
}
