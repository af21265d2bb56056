/**
 * diffinfer's Node-only pieces (`diffinfer/node`): reading workspaces and patches from files,
 * and writing output files whole or not at all. Everything else in `diffinfer/stats` runs in a
 * browser too.
 *
 * @example
 * ```ts
 * import { loadWorkspace, writeFileAtomic } from 'diffinfer/node';
 * const { workspace } = loadWorkspace({ workspace: 'BkgOnly.json', patches: ['patch.json'] });
 * writeFileAtomic('out/workspace.json', JSON.stringify(workspace));
 * ```
 */
export { loadWorkspace, readJsonFile } from './stats/workspace/load.js';
export { writeFileAtomic } from './stats/io.js';
