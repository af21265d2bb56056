/**
 * Typed errors of the statistics engine.
 *
 * Every error about user input names the place (a JSON path such as
 * `channels[1].samples[0].modifiers[2]`) and the problem, so the CLI can print one line
 * and exit with code 2.
 */

/** The kinds of bad input diffinfer recognises. */
export type InputErrorKind =
  | 'json'
  | 'schema'
  | 'workspace'
  | 'patch'
  | 'model'
  | 'argument'
  | 'io';

/**
 * Bad input: a malformed workspace, patch, option or file.
 *
 * `message` is a single line: `<where>: <problem>` when a place is known.
 *
 * @example
 * ```ts
 * throw new InputError('workspace', 'channels[1].samples[0].data', 'has 3 bins, channel "SR" has 4');
 * ```
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly kind: InputErrorKind,
    /** Where the problem is (a JSON path, a file name, an option), or '' when unknown. */
    readonly where: string,
    /** What is wrong, as a sentence fragment. */
    readonly problem: string,
  ) {
    super(where ? `${where}: ${problem}` : problem);
  }
}

/**
 * A numerical procedure that did not reach its goal (a fit that did not converge, a root
 * that is not bracketed, a NaN). Never swallowed silently.
 */
export class NumericalError extends Error {
  override readonly name = 'NumericalError';
  constructor(message: string) {
    super(message);
  }
}

/** Formats a JSON path from keys and indices, e.g. `['channels', 1, 'name']` -> `channels[1].name`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
