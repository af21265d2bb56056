/**
 * A progress bar on stderr for long jobs (cli-progress), shown when stderr is a terminal or when
 * asked (`--progress`), never when refused (`--no-progress`).
 */
import cliProgress from 'cli-progress';

/** A started progress bar (or a no-op one). */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar of `total` units labelled `label`; `enabled` undefined means "when stderr is a TTY".
 *
 * @example
 * ```ts
 * const bar = progressBar(undefined, 'toys', 4000);
 * bar.update(50); bar.stop();
 * ```
 */
export function progressBar(enabled: boolean | undefined, label: string, total: number): Progress {
  if (!(enabled ?? process.stderr.isTTY === true)) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    // asked for on a stream that is not a terminal (a log file): a line every 5 s
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} | {duration_formatted} elapsed, eta {eta_formatted}`, hideCursor: true, etaBuffer: 50, noTTYOutput: enabled === true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
