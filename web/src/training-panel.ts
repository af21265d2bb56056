/**
 * The training panel: the neos problem or INFERNO benchmark 2 trained live in the page, the
 * inference-aware objective (neos: CLs; INFERNO: the INFERNO loss) next to BCE on the same
 * events, each run in its own Web Worker on tfjs's wasm backend (training-worker.ts). Live: the
 * loss curves, the soft (what the loss sees) and hard (what an analysis uses) templates of
 * every process and variation on the validation events, and the profile likelihood of the POI;
 * at the end the figures `diffinfer neos` / `diffinfer inferno` report (CLs, Z0, sigma_mu) on
 * the test events. Start / pause / reset; a seed gives the CLI's runs.
 */
import * as Plot from '@observablehq/plot';
import type { MethodName } from '../../src/models/methods.js';
import type { StepRecord } from '../../src/models/trainer.js';
import { append, duration, h, replace, short } from './dom.js';
import type { BackendInfo, TrainingReply, TrainingRequest } from './training-protocol.js';
import { PROBLEMS, type ProblemId, type RunSpec } from './training-problems.js';
import type { FinalFigures, Snapshot } from './training-session.js';

const OBJECTIVE_LABELS: Partial<Record<MethodName, string>> = { cls: 'CLs (neos)', inferno: 'INFERNO', bce: 'BCE' };
const COLORS: Record<number, string> = { 0: '#1f77b4', 1: '#d62728' };

type RunState = 'idle' | 'setup' | 'ready' | 'running' | 'paused' | 'done' | 'error';

/** One objective's run: its worker and what it reported. */
class Run {
  worker: Worker;
  state: RunState = 'setup';
  backend?: BackendInfo;
  totalSteps = 0;
  setupMs = 0;
  trainMs = 0;
  history: StepRecord[] = [];
  snapshot?: Snapshot;
  final?: FinalFigures;
  error?: string;
  /** performance.now() when `run` was first posted, and when the run finished. */
  startedAt?: number;
  finishedAt?: number;

  constructor(
    readonly spec: RunSpec,
    readonly index: number,
    private readonly changed: (run: Run) => void,
  ) {
    this.worker = new Worker(new URL('./training-worker.ts', import.meta.url), { type: 'module', name: `diffinfer-training-${spec.objective}` });
    this.worker.onmessage = (e: MessageEvent<TrainingReply>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(`diffinfer: internal error: the training worker failed: ${e.message}`);
    };
    this.send({ type: 'init', spec });
  }

  private send(m: TrainingRequest): void {
    this.worker.postMessage(m);
  }

  private fail(line: string): void {
    this.state = 'error';
    this.error = line;
    this.changed(this);
  }

  private receive(m: TrainingReply): void {
    switch (m.type) {
      case 'ready':
        this.backend = m.backend;
        this.totalSteps = m.totalSteps;
        this.setupMs = m.setupMs;
        this.snapshot = m.snapshot;
        if (this.state === 'setup') this.state = 'ready';
        else if (this.state === 'running') this.send({ type: 'run' }); // started while setting up
        break;
      case 'progress':
        this.history.push(...m.records);
        this.trainMs = m.trainMs;
        if (m.snapshot) this.snapshot = m.snapshot;
        break;
      case 'paused':
        if (this.state === 'running') this.state = 'paused';
        break;
      case 'done':
        this.history.push(...m.records);
        this.trainMs = m.trainMs;
        this.snapshot = m.snapshot;
        this.final = m.final;
        this.state = 'done';
        this.finishedAt = performance.now();
        break;
      case 'error':
        this.fail(m.line);
        return;
    }
    this.changed(this);
  }

  start(): void {
    if (this.state === 'done' || this.state === 'error' || this.state === 'running') return;
    const wasSetup = this.state === 'setup';
    this.state = 'running';
    this.startedAt ??= performance.now();
    if (!wasSetup) this.send({ type: 'run' });
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.send({ type: 'pause' });
  }

  dispose(): void {
    this.worker.terminate();
  }
}

/** Mounts the panel in `root`. */
export function mountTrainingPanel(root: HTMLElement): void {
  let runs: Run[] = [];

  const problemSelect = h(
    'select',
    { 'data-testid': 'train-problem', 'aria-label': 'problem' },
    ...Object.values(PROBLEMS).map((p) => h('option', { value: p.id }, p.label)),
  );
  const seedInput = h('input', { type: 'number', min: 0, step: 1, value: 0, class: 'num', 'data-testid': 'train-seed', 'aria-label': 'seed' });
  const lengthInput = h('input', { type: 'number', min: 1, step: 1, value: PROBLEMS.neos.defaultLength, class: 'num', 'data-testid': 'train-length', 'aria-label': 'run length' });
  const lengthUnit = h('span', {}, 'steps');
  const objectiveBoxes = [0, 1].map((i) => h('input', { type: 'checkbox', checked: true, 'data-testid': `train-objective-${i}` }));
  const objectiveLabels = [0, 1].map(() => h('span', {}));
  const startButton = h('button', { type: 'button', 'data-testid': 'train-start' }, 'Start');
  const pauseButton = h('button', { type: 'button', 'data-testid': 'train-pause', disabled: true }, 'Pause');
  const resetButton = h('button', { type: 'button', 'data-testid': 'train-reset' }, 'Reset');
  const optionError = h('span', { class: 'error', 'data-testid': 'train-option-error', role: 'alert' });
  const status = h('div', { class: 'status', 'data-testid': 'train-status', 'data-state': 'idle' }, 'Press Start to train.');
  const cli = h('div', { class: 'cli' });
  const cards = h('div', { class: 'results' });
  const lossBox = h('section', { class: 'card', 'data-testid': 'train-loss-plot' });
  const profileBox = h('section', { class: 'card', 'data-testid': 'train-profile-plot' });

  append(
    root,
    h(
      'div',
      { class: 'inputs' },
      h(
        'div',
        { class: 'options' },
        h('label', {}, 'Problem ', problemSelect),
        h('label', {}, 'Seed ', seedInput),
        h('label', {}, 'Length ', lengthInput, ' ', lengthUnit),
        ...objectiveBoxes.map((b, i) => h('label', {}, b, ' ', objectiveLabels[i])),
        startButton,
        pauseButton,
        resetButton,
        optionError,
      ),
      h('div', { class: 'hint' }, 'Each objective trains in its own Web Worker on tfjs\'s wasm backend, on the events the CLI simulates for the same seed; the templates and the profile likelihood are those of the validation events, the final figures those of the test events (as the CLI reports them).'),
    ),
    status,
    cli,
    h('div', { class: 'results' }, lossBox, profileBox),
    cards,
  );

  const problem = () => PROBLEMS[problemSelect.value as ProblemId];

  function showOptions(): void {
    const p = problem();
    lengthUnit.textContent = p.unit;
    p.objectives.forEach((o, i) => (objectiveLabels[i].textContent = OBJECTIVE_LABELS[o] ?? o));
  }

  function readSpecs(): RunSpec[] | undefined {
    const p = problem();
    const seed = Number(seedInput.value);
    const length = Number(lengthInput.value);
    if (!Number.isInteger(seed) || seed < 0) return void (optionError.textContent = `diffinfer: seed: expected a non-negative integer, got "${seedInput.value}"`);
    if (!Number.isInteger(length) || length < 1) return void (optionError.textContent = `diffinfer: ${p.unit}: expected a positive integer, got "${lengthInput.value}"`);
    const objectives = p.objectives.filter((_, i) => objectiveBoxes[i].checked);
    if (objectives.length === 0) return void (optionError.textContent = 'diffinfer: choose at least one objective');
    optionError.textContent = '';
    return objectives.map((objective) => ({ problem: p.id, objective, seed, length }));
  }

  function reset(): void {
    for (const r of runs) r.dispose();
    runs = [];
    replace(cards);
    replace(lossBox);
    replace(profileBox);
    replace(cli);
    setStatus();
  }

  let frame = 0;
  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  };

  function start(): void {
    if (runs.length === 0) {
      const specs = readSpecs();
      if (!specs) return;
      runs = specs.map((s, i) => new Run(s, i, schedule));
      const p = problem();
      replace(cli, h('code', {}, p.command(specs[0].seed, specs[0].length)), h('span', { class: 'hint' }, ` — the same runs on the CLI (seed ${specs[0].seed} is the CLI's seed-${specs[0].seed})`));
    }
    for (const r of runs) r.start();
    render();
  }

  function overall(): RunState {
    if (runs.length === 0) return 'idle';
    const states = runs.map((r) => r.state);
    for (const s of ['error', 'running', 'setup', 'paused', 'ready'] as const) if (states.includes(s)) return s;
    return 'done';
  }

  function setStatus(): void {
    const state = overall();
    const steps = runs.map((r) => `${OBJECTIVE_LABELS[r.spec.objective] ?? r.spec.objective} ${r.history.length}/${r.totalSteps || '…'}`).join(', ');
    const text: Record<RunState, string> = {
      idle: 'Press Start to train.',
      setup: `Simulating the events and compiling the analysis… ${steps}`,
      ready: `Ready: ${steps}`,
      running: `Training: ${steps}`,
      paused: `Paused: ${steps}`,
      done: `Done: ${steps}`,
      error: runs.find((r) => r.error)?.error ?? 'error',
    };
    status.dataset.state = state;
    status.textContent = text[state];
    const running = state === 'running' || state === 'setup';
    startButton.disabled = running || state === 'done';
    startButton.textContent = runs.length && state !== 'done' ? 'Continue' : 'Start';
    pauseButton.disabled = !runs.some((r) => r.state === 'running');
    for (const el of [problemSelect, seedInput, lengthInput, ...objectiveBoxes]) el.disabled = runs.length > 0;
  }

  const width = () => Math.max(320, (root.clientWidth < 800 ? root.clientWidth : (root.clientWidth - 12) / 2) - 30);

  function render(): void {
    setStatus();
    if (runs.length === 0) return;
    const w = width();
    // loss curves: each objective on its own scale (CLs and BCE are different quantities)
    replace(
      lossBox,
      h('h2', {}, 'Training loss'),
      ...runs.map((r) =>
        r.history.length
          ? Plot.plot({
              width: w,
              height: 150,
              marginLeft: 60,
              x: { label: 'step', domain: [0, r.totalSteps] },
              y: { label: `${OBJECTIVE_LABELS[r.spec.objective] ?? r.spec.objective} loss`, grid: true, type: r.spec.objective === 'cls' ? 'log' : 'linear' },
              marks: [Plot.lineY(r.history, { x: 'step', y: 'loss', stroke: COLORS[r.index] }), Plot.frame({ stroke: '#999' })],
            })
          : h('p', { class: 'hint' }, `${OBJECTIVE_LABELS[r.spec.objective] ?? r.spec.objective}: no step yet`),
      ),
    );
    const profiles = runs.flatMap((r) => (r.snapshot ? r.snapshot.profile.map((p) => ({ ...p, objective: OBJECTIVE_LABELS[r.spec.objective] ?? r.spec.objective })) : []));
    replace(
      profileBox,
      h('h2', {}, 'Profile likelihood of μ (validation, Asimov μ = 1)'),
      profiles.length
        ? Plot.plot({
            width: w,
            height: 300,
            marginLeft: 50,
            x: { label: 'μ' },
            y: { label: 'Δ NLL', domain: [0, 3] },
            color: { legend: true, domain: runs.map((r) => OBJECTIVE_LABELS[r.spec.objective] ?? r.spec.objective), range: runs.map((r) => COLORS[r.index]) },
            marks: [Plot.ruleY([0.5], { stroke: '#999', strokeDasharray: '3,3' }), Plot.lineY(profiles, { x: 'mu', y: 'deltaNll', stroke: 'objective', clip: true }), Plot.frame({ stroke: '#999' })],
          })
        : h('p', { class: 'hint' }, 'after the first snapshot'),
      h('div', { class: 'hint' }, 'ΔNLL = 0.5 (dashed) crosses at μ̂ ± σ_μ of the profile likelihood.'),
    );
    replace(cards, ...runs.map((r) => runCard(r, w)));
  }

  function runCard(r: Run, w: number): HTMLElement {
    const label = OBJECTIVE_LABELS[r.spec.objective] ?? r.spec.objective;
    const last = r.history[r.history.length - 1];
    const wallMs = r.startedAt !== undefined ? (r.finishedAt ?? performance.now()) - r.startedAt : undefined;
    const s = r.snapshot;
    // each bin drawn from its low edge to the next: a last point at the upper edge repeats the last bin
    const rows = s ? s.histograms.flatMap((t) => [...t.soft, t.soft[t.soft.length - 1]].map((v, bin) => ({ bin, template: `${t.sample} ${t.variation}`, soft: v, hard: t.hard[Math.min(bin, t.hard.length - 1)] }))) : [];
    const f = r.final;
    return h(
      'section',
      {
        class: 'card',
        'data-testid': `train-run-${r.spec.objective}`,
        'data-state': r.state,
        'data-step': r.history.length,
        'data-total-steps': r.totalSteps,
        'data-first-loss': r.history[0]?.loss,
        'data-last-loss': last?.loss,
        'data-losses': JSON.stringify(r.history.map((x) => x.loss)),
        'data-train-ms': r.trainMs,
        'data-wall-ms': wallMs,
        'data-setup-ms': r.setupMs,
        'data-backend': r.backend ? `${r.backend.name}${r.backend.simd ? ' simd' : ''}${(r.backend.threads ?? 1) > 1 ? ` ${r.backend.threads} threads` : ''}` : undefined,
        'data-cls': f?.cls,
      },
      h('h2', {}, `${label} — step ${r.history.length} of ${r.totalSteps || '…'}`),
      h(
        'div',
        { class: 'timings' },
        last ? h('span', {}, `loss ${short(last.loss, 5)}`) : null,
        s ? h('span', {}, `σ_μ (validation): Fisher ${short(s.sigmaFisher, 4)}, profile ${short(s.sigmaProfile, 4)}`) : null,
        r.backend ? h('span', {}, `tfjs ${r.backend.name}${r.backend.simd ? ' (SIMD)' : ''}`) : null,
        h('span', {}, `setup ${duration(r.setupMs)}, training ${duration(r.trainMs)}`),
      ),
      f
        ? h(
            'table',
            { 'data-testid': `train-final-${r.spec.objective}` },
            h('thead', {}, h('tr', {}, h('th', {}, 'test events'), h('th', {}, 'CLs (μ=1)'), h('th', {}, 'Z₀'), h('th', {}, 'σ_μ Fisher'), h('th', {}, 'σ_μ profile'), h('th', {}, 'best step'))),
            h('tbody', {}, h('tr', {}, h('td', {}, 'final'), h('td', { class: 'n', 'data-testid': `train-cls-${r.spec.objective}`, title: String(f.cls) }, short(f.cls, 4)), h('td', { class: 'n', title: String(f.z0) }, short(f.z0, 4)), h('td', { class: 'n' }, short(f.sigmaFisher, 4)), h('td', { class: 'n' }, short(f.sigmaProfile, 4)), h('td', { class: 'n' }, f.bestStep ?? '–'))),
          )
        : null,
      rows.length
        ? Plot.plot({
            width: w,
            height: 220,
            marginLeft: 50,
            x: { label: 'bin', domain: [0, s!.histograms[0].soft.length], ticks: s!.histograms[0].soft.length + 1 },
            y: { label: 'events (validation)', grid: true },
            color: { legend: true },
            marks: [
              Plot.lineY(rows, { x: 'bin', y: 'soft', stroke: 'template', curve: 'step-after', strokeWidth: 2 }),
              Plot.lineY(rows, { x: 'bin', y: 'hard', stroke: 'template', curve: 'step-after', strokeDasharray: '4,3' }),
              Plot.frame({ stroke: '#999' }),
            ],
          })
        : null,
      rows.length ? h('div', { class: 'hint' }, 'Solid: soft templates (the differentiable binning the loss sees); dashed: hard templates (what the exported analysis counts).') : null,
      r.error ? h('pre', { class: 'error-line' }, r.error) : null,
    );
  }

  problemSelect.addEventListener('change', () => {
    lengthInput.value = String(problem().defaultLength);
    showOptions();
  });
  startButton.addEventListener('click', start);
  pauseButton.addEventListener('click', () => runs.forEach((r) => r.pause()));
  resetButton.addEventListener('click', reset);
  window.addEventListener('resize', schedule);
  showOptions();
  setStatus();
}
