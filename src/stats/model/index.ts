/** The HistFactory model: parameters in pyhf's order, interpolation codes, expected data and 2NLL with exact derivatives. */
export { code4Coefficients, normsysInterpolator, type NormsysCode, type NormsysInterpolator } from './normsys-interpolation.js';
export { histosysDelta, type HistosysCode } from './histosys-interpolation.js';
export {
  buildParameterSets,
  modelChannels,
  modelSamples,
  staterrorLayouts,
  type Constraint,
  type ModelChannel,
  type ParameterSet,
  type StaterrorLayout,
} from './parameters.js';
export {
  buildModel,
  DEFAULT_INTERPOLATION,
  HistFactoryModel,
  observedData,
  poissonLogPdf,
  type ConstraintTerm,
  type Derivatives,
  type HistosysAdjoint,
  type InterpolationCodes,
  type ModelData,
  type ModelOptions,
  type YieldAdjoints,
} from './model.js';
export { twiceNllSensitivities, type TwiceNllSensitivities } from './sensitivities.js';
