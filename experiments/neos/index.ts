/**
 * The neos problem (Simpson & Heinrich, arXiv:2203.05570): four Gaussian blobs — signal,
 * nominal background and its up/down variations — and their analysis with one shape nuisance.
 */
export {
  NEOS_BLOB_MEANS,
  NEOS_DEMO_EVENTS,
  NEOS_NUISANCE,
  NEOS_YIELDS,
  neosConfig,
  neosTemplateSpec,
  simulateNeos,
  type NeosConfigOptions,
  type NeosDataset,
} from './problem.js';
