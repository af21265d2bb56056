/**
 * pyhf JSON workspaces: types, validation, JSON Patch, patchsets and assembling a workspace
 * from parsed documents. Browser-safe: reading files is `./load.ts`, exported by `diffinfer/node`.
 */
export * from './spec.js';
export { parseWorkspace, selectMeasurement, validateWorkspace, type ValidatedWorkspace } from './validate.js';
export { applyJsonPatch, parseJsonPatch, parsePointer } from './patch.js';
export { isPatchSet, parsePatchSet, selectPatch } from './patchset.js';
export { applyPatchDocuments, parseJsonText, workspaceFromDocuments, type PatchDocument } from './assemble.js';
