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

    // Timings: performance.now() in the page around each worker round trip. The first fit in a
    // fresh worker pays for compiling the engine's code; the refits are the steady state.
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
    // Measured here (2 shared cores): first fit 104-276 ms, median refit 23-41 ms (88 ms once under load).
    expect(firstFitMs).toBeLessThan(1000);

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

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
