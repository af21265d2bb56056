/**
 * The static site of diffinfer (`npm run web:build` -> web/dist, `npm run web:preview`).
 * Plain TypeScript pages; the statistics run in a module Web Worker on `diffinfer/stats`
 * (src/stats), which imports no Node module. The bundled workspaces are emitted under
 * `fixtures/` (see fixtures.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { fixtureFiles, type FixtureFile } from './fixtures.js';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(webDir, '..');

/** The site file's text: the repository file, or one field of its JSON. */
function fixtureText(file: FixtureFile): string {
  const text = readFileSync(join(repoDir, file.source), 'utf8');
  if (!file.field) return text;
  return `${JSON.stringify((JSON.parse(text) as Record<string, unknown>)[file.field])}\n`;
}

/** Serves the fixtures in `vite dev` and emits them in `vite build`. */
function fixtures(): Plugin {
  const files = fixtureFiles();
  return {
    name: 'diffinfer-fixtures',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(/^\/fixtures\//, '');
        const file = files.find((f) => f.site === path);
        if (!file) return next();
        res.setHeader('Content-Type', 'application/json');
        res.end(fixtureText(file));
      });
    },
    generateBundle() {
      for (const file of files) this.emitFile({ type: 'asset', fileName: `fixtures/${file.site}`, source: fixtureText(file) });
    },
  };
}

export default defineConfig({
  root: webDir,
  base: './',
  plugins: [fixtures()],
  worker: { format: 'es' },
  build: {
    outDir: join(webDir, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  preview: { host: '127.0.0.1', port: 4173 },
  server: { host: '127.0.0.1', port: 5173 },
});
