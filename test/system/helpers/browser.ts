/**
 * A real browser for system tests: Debian's Chromium (installed by .ci/run when missing; never
 * downloaded) driven by playwright-core, on a fresh profile, against the built site served by
 * Vite's preview server on a free localhost port.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { preview } from 'vite';

export const REPO = join(import.meta.dirname, '..', '..', '..');

/** The browser binary: $DIFFINFER_CHROMIUM, default Debian's. */
export const CHROMIUM = process.env.DIFFINFER_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that work on these machines (no sandbox as root, no GPU, nothing fetched in the background). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where system tests write what a person looks at (screenshots, timings); git-ignored. */
export const OUTPUT_DIR = process.env.DIFFINFER_SYSTEM_OUTPUT ?? join(REPO, 'test', 'system', 'output');

export function outputPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, name);
}

/** Headless Chromium on a fresh user-data directory; `close` removes the directory. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  const profile = mkdtempSync(join(tmpdir(), 'diffinfer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Serves the built site (web/dist, `npm run web:build`) on 127.0.0.1 and a free port. */
export async function serveSite(): Promise<{ url: string; close(): Promise<void> }> {
  if (!existsSync(join(REPO, 'web', 'dist', 'index.html'))) throw new Error('web/dist is missing: run `npm run web:build` (npm run test:system does)');
  const server = await preview({ configFile: join(REPO, 'web', 'vite.config.ts'), logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server did not report its address');
  return { url, close: () => server.close() };
}
