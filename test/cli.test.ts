/**
 * The command line: pyhf-shaped JSON on stdout for fit / cls / limit / inspect, stdin input,
 * atomic output files, and bad input giving one line naming the place with exit code 2.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATLAS_DIR, loadCase, PYHF_DIR, readJson } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

const BKG = join(ATLAS_DIR, 'BkgOnly.json');
const PATCH = join(ATLAS_DIR, 'patch.ERJR_200p0_100p0.json');
let dir: string;
let small: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffinfer-cli-'));
  small = join(dir, 'uncorrelated.json');
  writeFileSync(small, JSON.stringify(readJson(join(PYHF_DIR, 'example-uncorrelated.json')).workspace));
});

describe('diffinfer cls', () => {
  it('prints CLs_obs and the expected band equal to pyhf on its README example', async () => {
    const r = await runCli(['cls', small]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const ref = readJson(join(PYHF_DIR, 'example-uncorrelated.json')).expected.hypotest;
    expect(Object.keys(out)).toEqual(['CLs_obs', 'CLs_exp']);
    expect(Math.abs(out.CLs_obs - ref.CLs_obs)).toBeLessThan(1e-5 * ref.CLs_obs);
    expect(out.CLs_exp).toHaveLength(5);
    expect(out.CLs_exp[0]).toBeLessThan(out.CLs_exp[4]);
  });

  it('runs on the ATLAS workspace with a patch, and --test-poi changes the answer', async () => {
    const a = JSON.parse((await runCli(['cls', BKG, '-p', PATCH])).stdout);
    const b = JSON.parse((await runCli(['cls', BKG, '-p', PATCH, '--test-poi', '0.5'])).stdout);
    expect(a.CLs_obs).toBeGreaterThan(0);
    expect(a.CLs_obs).toBeLessThan(0.05);
    expect(b.CLs_obs).toBeGreaterThan(a.CLs_obs);
  });
});

describe('diffinfer fit', () => {
  it('prints mle_parameters grouped by parameter set, twice_nll and convergence', async () => {
    const r = await runCli(['fit', small]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const ref = readJson(join(PYHF_DIR, 'example-uncorrelated.json')).expected.fit;
    expect(out.converged).toBe(true);
    expect(Object.keys(out.mle_parameters)).toEqual(['mu', 'uncorr_bkguncrt']);
    expect(out.mle_parameters.uncorr_bkguncrt).toHaveLength(2);
    expect(Math.abs(out.twice_nll - ref.twice_nll)).toBeLessThan(1e-6);
  });

  it('--fix holds a parameter at a value', async () => {
    const out = JSON.parse((await runCli(['fit', small, '--fix', 'mu=2'])).stdout);
    expect(out.mle_parameters.mu).toEqual([2]);
    const free = JSON.parse((await runCli(['fit', small])).stdout);
    expect(out.twice_nll).toBeGreaterThan(free.twice_nll);
  });

  it('writes -o files whole, and nothing else in the directory', async () => {
    const target = join(dir, 'out', 'fit.json');
    const r = await runCli(['fit', small, '-o', target]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(target, 'utf8')).converged).toBe(true);
    expect(readdirSync(join(dir, 'out'))).toEqual(['fit.json']);
  });
});

describe('diffinfer limit', () => {
  it('root finding and scan agree to the scan resolution', async () => {
    const ws = join(dir, 'case-02.json');
    writeFileSync(ws, JSON.stringify(loadCase('case-02').workspace));
    const a = JSON.parse((await runCli(['limit', ws])).stdout);
    const b = JSON.parse((await runCli(['limit', ws, '--scan', '0:10:101'])).stdout);
    const ref = loadCase('case-02').expected.upper_limit;
    expect(Math.abs(a.obs - ref.obs_limit)).toBeLessThan(2e-3 * ref.obs_limit);
    expect(Math.abs(b.obs - a.obs)).toBeLessThan(0.02 * a.obs);
    expect(a.exp).toHaveLength(5);
  });
});

describe('diffinfer inspect', () => {
  it('lists channels, samples and parameters, as text and JSON', async () => {
    const t = await runCli(['inspect', BKG]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/CRISR_cuts\s+1/);
    const j = JSON.parse((await runCli(['inspect', BKG, '--json'])).stdout);
    expect(j.channels.map((c: { name: string }) => c.name)).toEqual(['CRISR_cuts', 'CRlow_cuts', 'SRISR_cuts', 'SRlow_cuts']);
    expect(j.poi).toBe('mu_SIG');
    expect(j.parameters.find((p: { name: string }) => p.name === 'lumi').fixed).toEqual([true]);
  });
});

/** Bad CLI calls: each gives exit code 2 and one line naming the place, no stack trace. */
const BAD: Array<[string, () => string[], RegExp]> = [
  ['unknown command', () => ['fitt', small], /unknown command 'fitt'/],
  ['missing workspace argument', () => ['cls'], /missing required argument 'workspace'/],
  ['unknown option', () => ['cls', small, '--tset-poi', '1'], /unknown option '--tset-poi'/],
  ['missing file', () => ['fit', join(dir, 'nope.json')], /nope\.json: no such file/],
  ['invalid JSON', () => {
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"channels": [');
    return ['fit', f];
  }, /broken\.json: invalid JSON/],
  ['--fix without =', () => ['fit', small, '--fix', 'mu'], /--fix mu: expected NAME=VALUE/],
  ['--fix with a non-number', () => ['fit', small, '--fix', 'mu=abc'], /--fix mu=abc: value "abc" is not a finite number/],
  ['--fix of an unknown parameter', () => ['fit', small, '--fix', 'alpha_nope=1'], /--fix alpha_nope=1: no parameter "alpha_nope"/],
  ['--test-poi not a number', () => ['cls', small, '--test-poi', 'one'], /--test-poi: expected a finite number, got "one"/],
  ['--test-stat not allowed', () => ['cls', small, '--test-stat', 'qq'], /--test-stat.*qq.*Allowed choices are qtilde, q/],
  ['--scan malformed', () => ['limit', small, '--scan', '0:5'], /--scan 0:5: expected LO:HI:N/],
  ['--scan empty range', () => ['limit', small, '--scan', '5:0:10'], /--scan 5:0:10: needs HI > LO and N >= 2/],
  ['unknown measurement', () => ['fit', small, '--measurement', 'nope'], /measurement.*"nope"/],
  ['missing patch file', () => ['cls', BKG, '-p', join(dir, 'nopatch.json')], /nopatch\.json: no such file/],
  ['patch to a missing path', () => {
    const f = join(dir, 'badpatch.json');
    writeFileSync(f, JSON.stringify([{ op: 'replace', path: '/channels/9/name', value: 'x' }]));
    return ['cls', BKG, '-p', f];
  }, /badpatch\.json.*\/channels\/9\/name/],
];

describe('bad CLI input', () => {
  it.each(BAD)('%s: exit 2, one line naming the place', async (_label, args, message) => {
    const r = await runCli(args());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^diffinfer: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('messages are all different', async () => {
    const msgs: string[] = [];
    for (const [, args] of BAD) msgs.push((await runCli(args())).stderr);
    expect(new Set(msgs).size).toBe(msgs.length);
  });
});

describe('the built CLI as a process', () => {
  const cli = join(process.cwd(), 'dist', 'src', 'cli.js');
  beforeAll(() => {
    execFileSync(process.execPath, [join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
  }, 120_000);

  it('exits 2 with one line and no stack trace on a malformed workspace', () => {
    const f = join(dir, 'mismatch.json');
    const ws = structuredClone(readJson(join(PYHF_DIR, 'example-uncorrelated.json')).workspace);
    ws.channels[0].samples[1].data.push(1);
    writeFileSync(f, JSON.stringify(ws));
    const r = spawnSync(process.execPath, [cli, 'cls', f], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^diffinfer: channels\[0\]\.samples\[1\] \("background"\): data has 3 bins, channel "singlechannel" has 2/);
  });

  it('reads the workspace from stdin with "-", without loading TensorFlow.js', () => {
    expect(existsSync(cli)).toBe(true);
    const r = spawnSync(process.execPath, [cli, 'cls', '-'], { input: readFileSync(small, 'utf8'), encoding: 'utf8' });
    expect(r.status).toBe(0);
    const ref = readJson(join(PYHF_DIR, 'example-uncorrelated.json')).expected.hypotest;
    expect(Math.abs(JSON.parse(r.stdout).CLs_obs - ref.CLs_obs)).toBeLessThan(1e-5 * ref.CLs_obs);
    // The static import graph of the CLI reaches no TensorFlow.js package (training commands
    // load it with a dynamic import).
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)) {
        const spec = m[1];
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^@tensorflow/);
        if (spec.startsWith('.')) visit(join(file, '..', spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(process.cwd(), 'src', 'cli.ts'));
    expect(seen.size).toBeGreaterThan(10);
  });
});
