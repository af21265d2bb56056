/**
 * Event simulators of the experiments: INFERNO's 3D synthetic problem with its nuisance
 * transforms, Gaussian blobs (the neos problem), and the HiggsML Uncertainty Challenge-style
 * simulator with its differentiable TES/JES/soft-MET transforms. Every draw is seeded; same seed, same bytes.
 */
export {
  INFERNO_BACKGROUND_VARIANCE,
  INFERNO_NOMINAL,
  INFERNO_SIGNAL,
  infernoLogDensities,
  infernoLogRatio,
  rescaleLambda,
  shiftR,
  simulateInferno,
  type InfernoProcess,
  type InfernoSimulationOptions,
} from './inferno.js';
export { simulateGaussian, type GaussianSimulationOptions } from './gaussian.js';
export * from './challenge.js';
export * from './challenge-transforms.js';
