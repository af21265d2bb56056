/**
 * A folder of finished units of a long job: `DIR/job.json` holds the job's fingerprint (its
 * options and unit list), `DIR/<id>.json` one finished unit's result, each written atomically as
 * the unit finishes. A fresh run clears the folder; a resumed run (same fingerprint required)
 * keeps the finished units and runs only the others. Issue 13's shards and merge build on this.
 *
 * Node-only (files).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';

export class UnitStore {
  private readonly done = new Map<string, unknown>();

  private constructor(readonly dir: string) {}

  /**
   * Opens the store of a job. `resume`: keep the units of an earlier run with the same
   * fingerprint (InputError naming "resume" when it differs); otherwise start empty.
   *
   * @example
   * ```ts
   * const store = UnitStore.open('out/units', { seed: 1, units: ['a', 'b'] }, false);
   * if (!store.has('a')) store.put('a', { value: 1 });
   * ```
   */
  static open(dir: string, fingerprint: unknown, resume: boolean): UnitStore {
    const store = new UnitStore(dir);
    const jobFile = join(dir, 'job.json');
    const text = `${JSON.stringify(fingerprint)}\n`;
    if (resume && existsSync(jobFile)) {
      if (readFileSync(jobFile, 'utf8') !== text) {
        throw new InputError('argument', 'resume', `the run in ${dir} has other options (model, seed, range, method, truth or sizes); use the same options or another output directory`);
      }
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.json') || f === 'job.json') continue;
        try {
          store.done.set(f.slice(0, -5), JSON.parse(readFileSync(join(dir, f), 'utf8')));
        } catch {
          // unit files are written atomically; one that does not parse is simply run again
        }
      }
      return store;
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(jobFile, text);
    return store;
  }

  has(id: string): boolean {
    return this.done.has(id);
  }

  get(id: string): unknown {
    return this.done.get(id);
  }

  /** Records a finished unit (written atomically to `<dir>/<id>.json`). */
  put(id: string, result: unknown): void {
    writeFileAtomic(join(this.dir, `${id}.json`), `${JSON.stringify(result)}\n`);
    this.done.set(id, result);
  }
}
