/** pyhf JSON workspaces: types, validation, JSON Patch, patchsets and file loading. */
export * from './spec.js';
export { parseWorkspace, selectMeasurement, validateWorkspace, type ValidatedWorkspace } from './validate.js';
export { applyJsonPatch, parseJsonPatch, parsePointer } from './patch.js';
export { isPatchSet, parsePatchSet, selectPatch } from './patchset.js';
export { loadWorkspace, readJsonFile } from './load.js';
