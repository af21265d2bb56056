/**
 * The web page in a real headless Chromium: the built site (web/dist) served on localhost,
 * fixtures fitted in the page's worker and compared with the CLI (in-process, same files), the
 * fit timed inside the page, broken input giving the CLI's error line, and a screenshot for a
 * person to look at (test/system/output/).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { launchChromium, outputPath, REPO, serveSite } from './helpers/browser.js';

const SITE_CASE_00 = join(REPO, 'web', 'dist', 'fixtures', 'pyhf', 'case-00.json');
const ATLAS = join(REPO, 'test', 'fixtures', 'atlas-erjr');

let site: Awaited<ReturnType<typeof serveSite>>;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const pageErrors: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-web-'));

/** The CLI's JSON on stdout; exit code 0 required. */
async function cliJson(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Runs `action` and waits until the page's run it starts has finished (done or error). */
async function afterRun(action: () => Promise<unknown>): Promise<'done' | 'error'> {
  const before = Number((await page.getAttribute('[data-testid=status]', 'data-run')) ?? 0);
  await action();
  // (a string: this file is type-checked without the DOM library)
  await page.waitForFunction(
    `(() => { const s = document.querySelector('[data-testid=status]'); return Number(s.dataset.run ?? 0) > ${before} && (s.dataset.state === 'done' || s.dataset.state === 'error'); })()`,
    null,
    { timeout: 120_000 },
  );
  return (await page.getAttribute('[data-testid=status]', 'data-state')) as 'done' | 'error';
}

const numberAt = async (testid: string): Promise<number> => Number(await page.textContent(`[data-testid=${testid}]`));
const bandAt = (testid: string): Promise<number[]> => Promise.all([0, 1, 2, 3, 4].map((i) => numberAt(`${testid}-${i}`)));

/** The page's printed results. */
async function printed() {
  return {
    twiceNll: await numberAt('twice-nll'),
    clsObs: await numberAt('cls-obs'),
    clsExp: await bandAt('cls-exp'),
    limitObs: await numberAt('limit-obs'),
    limitExp: await bandAt('limit-exp'),
  };
}

/** The CLI's results on the same files. */
async function cli(files: string[]) {
  const fit = await cliJson(['fit', ...files]);
  const cls = await cliJson(['cls', ...files]);
  const limit = await cliJson(['limit', ...files]);
  return { twiceNll: fit.twice_nll as number, clsObs: cls.CLs_obs as number, clsExp: cls.CLs_exp as number[], limitObs: limit.obs as number, limitExp: limit.exp as number[] };
}

/** Largest |page - cli| over every printed number, and which number it is. */
function largestDifference(a: Awaited<ReturnType<typeof printed>>, b: Awaited<ReturnType<typeof cli>>): { difference: number; at: string } {
  const pairs: Array<[string, number, number]> = [
    ['2NLL', a.twiceNll, b.twiceNll],
    ['CLs_obs', a.clsObs, b.clsObs],
    ['limit obs', a.limitObs, b.limitObs],
    ...a.clsExp.map((x, i): [string, number, number] => [`CLs_exp[${i}]`, x, b.clsExp[i]]),
    ...a.limitExp.map((x, i): [string, number, number] => [`limit exp[${i}]`, x, b.limitExp[i]]),
  ];
  return pairs.map(([at, x, y]) => ({ difference: Math.abs(x - y), at })).reduce((m, d) => (d.difference > m.difference ? d : m), { difference: 0, at: '-' });
}

beforeAll(async () => {
  site = await serveSite();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(site.url);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('the workspace panel in headless Chromium', () => {
  it('fits the bundled case-00 as `diffinfer fit/cls/limit` on the same file, the fit in under 100 ms', async () => {
    expect(await afterRun(() => page.selectOption('[data-testid=fixture]', 'case-00'))).toBe('done');
    const shown = await printed();
    const expected = await cli([SITE_CASE_00]);
    console.log(`case-00: page 2NLL ${shown.twiceNll}, CLs ${shown.clsObs}, limit ${shown.limitObs}; largest |page - CLI| ${JSON.stringify(largestDifference(shown, expected))}`);
    // Same code, same float64 arithmetic. Measured: 2NLL and every CLs identical doubles; the
    // expected +2 sigma limit (root finding) 5.3e-15 apart (Chromium 150's V8 against Node 20's).
    expect(largestDifference(shown, expected).difference).toBeLessThanOrEqual(1e-9);
    expect(shown.twiceNll).toBeCloseTo(224.0819480, 6); // pyhf: 224.08194806477925 (test/fixtures/pyhf)

    // Timings: performance.now() in the page around each worker round trip. The worker warms up
    // at page load (web/src/warm-up.ts: a synthetic workspace of case-00's size fitted 6 times),
    // so the first fit pays little for compiling the engine's code; the refits are the steady state.
    const firstFitMs = Number(await page.getAttribute('[data-testid=ms-fit]', 'data-ms'));
    await page.click('[data-testid=refit]');
    await page.waitForSelector('[data-testid=refit-times][data-median-ms]', { timeout: 60_000 });
    const refitMs = JSON.parse((await page.getAttribute('[data-testid=refit-times]', 'data-ms'))!) as number[];
    const medianRefitMs = Number(await page.getAttribute('[data-testid=refit-times]', 'data-median-ms'));
    const steps = page.locator('[data-testid^=ms-]');
    const timings: Array<[string, number]> = [];
    for (let i = 0; i < (await steps.count()); i++) {
      timings.push([(await steps.nth(i).getAttribute('data-testid'))!.slice(3), Number(await steps.nth(i).getAttribute('data-ms'))]);
    }
    writeFileSync(outputPath('web-timings.json'), `${JSON.stringify({ fixture: 'case-00', firstFitMs, refitMs, medianRefitMs, steps: Object.fromEntries(timings) }, null, 2)}\n`);
    console.log(`case-00 in the page: first fit ${firstFitMs.toFixed(1)} ms, refits ${refitMs.map((x) => x.toFixed(1)).join(', ')} ms (median ${medianRefitMs.toFixed(1)} ms); steps ${JSON.stringify(Object.fromEntries(timings))}`);
    expect(medianRefitMs).toBeLessThan(100);
    // Measured here (2 shared cores, load average 11 from other jobs): first fit 108-288 ms after
    // the warm-up (222-338 ms with a small two-channel warm-up; 104-276 ms on quieter cores
    // without one), median refit 30-80 ms (23-41 ms on quiet cores).
    expect(firstFitMs).toBeLessThan(500);

    await page.screenshot({ path: outputPath('web-workspace-case-00.png'), fullPage: true });
    // The README's picture: the same page with the parameter table folded.
    await page.click('[data-testid=fit] details > summary');
    await page.screenshot({ path: outputPath('web-workspace-case-00-compact.png'), fullPage: true });
  });

  it('applies a patch picked from disk: ATLAS BkgOnly + a signal patch as `diffinfer ... -p patch`', async () => {
    const workspace = join(ATLAS, 'BkgOnly.json');
    const patch = join(ATLAS, 'patch.ERJR_500p0_0p0.json');
    // The background-only workspace alone has no POI: the page says what the CLI says.
    expect(await afterRun(() => page.setInputFiles('[data-testid=workspace-file]', workspace))).toBe('error');
    const alone = await runCli(['fit', workspace]);
    expect(await page.textContent('[data-testid=error]')).toBe(alone.stderr.trim());
    expect(await afterRun(() => page.setInputFiles('[data-testid=patch-file]', patch))).toBe('done');
    expect(await page.textContent('[data-testid=summary]')).toContain('BkgOnly.json + patch.ERJR_500p0_0p0.json');
    const shown = await printed();
    const expected = await cli([workspace, '-p', patch]);
    console.log(`ATLAS + ERJR_500p0_0p0: page 2NLL ${shown.twiceNll}, CLs ${shown.clsObs}, limit ${shown.limitObs}; largest |page - CLI| ${JSON.stringify(largestDifference(shown, expected))}`);
    expect(largestDifference(shown, expected).difference).toBeLessThanOrEqual(1e-9); // measured: 0, every number identical
  });

  it('drop a workspace with a patchset: the entry chosen in the page is the CLI\'s `-p patchset.json:NAME`', async () => {
    const workspace = join(ATLAS, 'BkgOnly.json');
    const entries = ['ERJR_200_100', 'ERJR_400_200'];
    const patchset = {
      metadata: { name: 'erjr', digests: { sha256: '0'.repeat(64) }, labels: ['m1', 'm2'] },
      version: '1.0.0',
      patches: [
        { metadata: { name: entries[0], values: [200, 100] }, patch: JSON.parse(readFileSync(join(ATLAS, 'patch.ERJR_200p0_100p0.json'), 'utf8')) },
        { metadata: { name: entries[1], values: [400, 200] }, patch: JSON.parse(readFileSync(join(ATLAS, 'patch.ERJR_400p0_200p0.json'), 'utf8')) },
      ],
    };
    const patchsetFile = join(tmp, 'erjr-patchset.json');
    writeFileSync(patchsetFile, JSON.stringify(patchset));
    // Two files dropped on the workspace box: the first is the workspace, the others patches.
    const files = [
      { name: 'BkgOnly.json', text: readFileSync(workspace, 'utf8') },
      { name: 'erjr-patchset.json', text: JSON.stringify(patchset) },
    ];
    const transfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); for (const f of ${JSON.stringify(files)}) dt.items.add(new File([f.text], f.name, { type: 'application/json' })); return dt; })()`,
    );
    expect(await afterRun(() => page.dispatchEvent('[data-testid=workspace-drop]', 'drop', { dataTransfer: transfer }))).toBe('done');
    for (const entry of entries) {
      if (entry !== entries[0]) expect(await afterRun(() => page.selectOption('[data-testid=patch-entry]', entry))).toBe('done');
      expect(await page.textContent('[data-testid=summary]')).toContain(`BkgOnly.json + erjr-patchset.json:${entry}`);
      const args = [workspace, '-p', `${patchsetFile}:${entry}`];
      expect(await numberAt('twice-nll')).toBe((await cliJson(['fit', ...args])).twice_nll);
      expect(await numberAt('cls-obs')).toBe((await cliJson(['cls', ...args])).CLs_obs);
    }
  });

  it('a broken workspace shows the line the CLI prints', async () => {
    const ws = JSON.parse(readFileSync(SITE_CASE_00, 'utf8'));
    ws.channels[1].samples[0].data.pop();
    const file = join(tmp, 'broken.json');
    writeFileSync(file, JSON.stringify(ws));
    const r = await runCli(['fit', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('diffinfer: channels[1].samples[0].modifiers[3] (shapesys "shapesys_CR_ttbar_single_top"): data has 3 bins, channel "CR_ttbar" has 2\n');
    expect(await afterRun(() => page.setInputFiles('[data-testid=workspace-file]', file))).toBe('error');
    expect(await page.textContent('[data-testid=error]')).toBe(r.stderr.trim());
    expect(await page.isVisible('[data-testid=error]')).toBe(true);
    expect(await page.textContent('[data-testid=fit]')).toBe(''); // nothing of the previous workspace is left
    await page.screenshot({ path: outputPath('web-workspace-error.png') });
  });

  it('a patch that does not apply shows the line the CLI prints', async () => {
    const workspace = join(ATLAS, 'BkgOnly.json');
    const patch = join(tmp, 'bad-patch.json');
    writeFileSync(patch, JSON.stringify([{ op: 'add', path: '/channels/9/samples/0', value: { name: 'x', data: [1], modifiers: [] } }]));
    const r = await runCli(['fit', workspace, '-p', patch]);
    expect(r.stderr).toBe('diffinfer: bad-patch.json[0] (op "add" at "/channels/9/samples/0"): index 9 is out of range (array has 4 items)\n');
    await afterRun(() => page.setInputFiles('[data-testid=workspace-file]', workspace));
    expect(await afterRun(() => page.setInputFiles('[data-testid=patch-file]', patch))).toBe('error');
    expect(await page.textContent('[data-testid=error]')).toBe(r.stderr.trim());
  });

});

/** Opens the training panel on a fresh page and sets its options. */
async function setUpTraining(o: { problem: 'neos' | 'inferno2'; seed: number; length: number; objectives: [boolean, boolean] }) {
  await page.goto('about:blank'); // a fresh page: the hash alone would not reload it
  await page.goto(`${site.url}#training`);
  await page.selectOption('[data-testid=train-problem]', o.problem);
  await page.fill('[data-testid=train-seed]', String(o.seed));
  await page.fill('[data-testid=train-length]', String(o.length));
  for (const i of [0, 1] as const) await page.setChecked(`[data-testid=train-objective-${i}]`, o.objectives[i]);
}

/** Runs the training panel with the given options until every run is done; returns each run's card data. */
async function trainInPage(o: { problem: 'neos' | 'inferno2'; seed: number; length: number; objectives: [boolean, boolean] }, timeout = 170_000) {
  await setUpTraining(o);
  await page.click('[data-testid=train-start]');
  return finishedRuns(timeout);
}

/** Waits until every run of the panel is done; returns each run's card data. */
async function finishedRuns(timeout = 170_000) {
  await page.waitForFunction(`(() => { const s = document.querySelector('[data-testid=train-status]'); return s.dataset.state === 'done' || s.dataset.state === 'error'; })()`, null, { timeout });
  expect(await page.getAttribute('[data-testid=train-status]', 'data-state'), (await page.textContent('[data-testid=train-status]')) ?? '').toBe('done');
  const cards = page.locator('[data-testid^=train-run-]');
  const out: Record<string, { losses: number[]; wallMs: number; trainMs: number; setupMs: number; cls: number; backend: string }> = {};
  for (let i = 0; i < (await cards.count()); i++) {
    const c = cards.nth(i);
    const attr = async (name: string) => (await c.getAttribute(name)) ?? '';
    out[(await attr('data-testid')).replace('train-run-', '')] = {
      losses: JSON.parse(await attr('data-losses')) as number[],
      wallMs: Number(await attr('data-wall-ms')),
      trainMs: Number(await attr('data-train-ms')),
      setupMs: Number(await attr('data-setup-ms')),
      cls: Number(await attr('data-cls')),
      backend: await attr('data-backend'),
    };
  }
  return out;
}

/** `diffinfer neos` in-process on wasm: its loss curve (train.jsonl) and results. */
async function cliNeos(objective: string, steps: number): Promise<{ losses: number[]; cls: number; trainSeconds: number }> {
  const out = join(tmp, `neos-${objective}-${steps}`);
  const r = await runCli(['neos', '--objective', objective, '--steps', String(steps), '--seeds', '1', '--backend', 'wasm', '--no-progress', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  const losses = readFileSync(join(out, objective, 'seed-0', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { loss: number }).loss);
  const result = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: Array<{ cls: number; trainSeconds: number }> }).results[0];
  return { losses, cls: result.cls, trainSeconds: result.trainSeconds };
}

/** Largest |a_k - b_k| / |b_k| over the steps. */
const largestRelative = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((x, k) => Math.abs(x - b[k]) / Math.abs(b[k])));

/** The CLI's neos losses of 50 steps, by objective (from the first training test). */
const cli50: Record<string, number[]> = {};

describe('the training panel in headless Chromium', () => {
  it('trains 50 neos steps of CLs and BCE: the losses fall, and equal the CLI\'s step by step', async () => {
    const runs = await trainInPage({ problem: 'neos', seed: 0, length: 50, objectives: [true, true] });
    for (const objective of ['cls', 'bce']) {
      const { losses, backend } = runs[objective];
      expect(losses).toHaveLength(50);
      const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
      console.log(`page neos ${objective} (${backend}): loss ${losses[0]} -> ${losses[49]} (mean of first 5 ${mean(losses.slice(0, 5))}, last 5 ${mean(losses.slice(-5))}); train ${runs[objective].trainMs.toFixed(0)} ms, setup ${runs[objective].setupMs.toFixed(0)} ms`);
      expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
      const cli = await cliNeos(objective, 50);
      cli50[objective] = cli.losses;
      const diff = largestRelative(losses, cli.losses);
      console.log(`neos ${objective}, 50 steps: largest relative |page - CLI| loss ${diff} (step 1: ${losses[0]} vs ${cli.losses[0]}; step 50: ${losses[49]} vs ${cli.losses[49]})`);
      // The same wasm kernels (tfjs-backend-wasm's SIMD binary) in Chromium and in Node, the same
      // code and seeds: measured, every one of the 50 float32 losses identical.
      expect(losses).toEqual(cli.losses);
    }
    await page.screenshot({ path: outputPath('web-training.png'), fullPage: true });
  });

  it('pause stops the run and Continue goes on with the same steps; Reset clears the panel', async () => {
    await setUpTraining({ problem: 'neos', seed: 0, length: 40, objectives: [true, false] });
    await page.click('[data-testid=train-start]');
    await page.waitForFunction(`Number(document.querySelector('[data-testid=train-run-cls]')?.dataset.step ?? 0) >= 5`, null, { timeout: 60_000 });
    await page.click('[data-testid=train-pause]');
    await page.waitForFunction(`document.querySelector('[data-testid=train-status]').dataset.state === 'paused'`, null, { timeout: 30_000 });
    const pausedAt = Number(await page.getAttribute('[data-testid=train-run-cls]', 'data-step'));
    await page.waitForTimeout(1000);
    expect(Number(await page.getAttribute('[data-testid=train-run-cls]', 'data-step'))).toBe(pausedAt);
    expect(pausedAt).toBeLessThan(40);
    expect(await page.textContent('[data-testid=train-start]')).toBe('Continue');
    await page.click('[data-testid=train-start]');
    const { cls } = await finishedRuns();
    console.log(`paused at step ${pausedAt} of 40, continued to the end`);
    // the loss of step k does not depend on the run's length (constant learning rate): the CLI's
    // 50-step run gives the first 40 — the paused and continued run has exactly those
    expect(cls.losses).toEqual(cli50.cls.slice(0, 40));
    await page.click('[data-testid=train-reset]');
    expect(await page.getAttribute('[data-testid=train-status]', 'data-state')).toBe('idle');
    expect(await page.locator('[data-testid^=train-run-]').count()).toBe(0);
  });

  it('acceptance: 200 neos steps (CLs) in under 20 s, final CLs within 2x of the CLI run with the same seed', async () => {
    const runs = await trainInPage({ problem: 'neos', seed: 0, length: 200, objectives: [true, false] });
    const page200 = runs.cls;
    const cli = await cliNeos('cls', 200);
    console.log(`neos cls 200 steps: page wall ${page200.wallMs.toFixed(0)} ms (in train ${page200.trainMs.toFixed(0)} ms, setup ${page200.setupMs.toFixed(0)} ms, ${page200.backend}); CLI train ${cli.trainSeconds.toFixed(2)} s; final CLs page ${page200.cls}, CLI ${cli.cls} (ratio ${page200.cls / cli.cls}); largest relative loss difference ${largestRelative(page200.losses, cli.losses)}`);
    writeFileSync(outputPath('web-training-timings.json'), `${JSON.stringify({ steps: 200, wallMs: page200.wallMs, trainMs: page200.trainMs, setupMs: page200.setupMs, backend: page200.backend, cls: page200.cls, cliCls: cli.cls, cliTrainSeconds: cli.trainSeconds }, null, 2)}\n`);
    // Measured here (2 shared cores): 10.0 s wall (5.8 s in train, the rest snapshots and the
    // final evaluation), the CLI 8.1 s of training; the page's CLs is the CLI's double.
    expect(page200.wallMs).toBeLessThan(20_000);
    expect(page200.cls / cli.cls).toBeGreaterThan(0.5);
    expect(page200.cls / cli.cls).toBeLessThan(2);
    expect(page200.losses).toEqual(cli.losses);
    expect(page200.cls).toBe(cli.cls);
  });

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
