/**
 * diffinfer's float64 statistics engine: pyhf workspaces, the HistFactory model with exact
 * derivatives, bounded Newton fits, test statistics, asymptotic CLs and upper limits.
 *
 * Browser-safe: nothing here imports a Node module (a test bundles it for the browser and checks).
 * Reading and writing files is `diffinfer/node` (`src/node.ts`).
 */
export * from './errors.js';
export * from './workspace/index.js';
export * from './model/index.js';
// Fits, test statistics, calculators, limits, pseudo-experiments, intervals and coverage: the public
// surface only (runCoverageBlock is public: N pseudo-experiments in-process; the toy and belt block
// runners, the samplers' internals and the multi-start analysis stay internal).
export {
  AsymptoticCalculator,
  EXPECTED_BAND_PROBABILITIES,
  EXPECTED_SIGMAS,
  EmpiricalDistribution,
  TARGET_COVERAGE,
  TEST_STATISTICS,
  TOY_TEST_STATISTICS,
  ToyCalculator,
  bestFreeFit,
  clsFromShifted,
  clsStandardError,
  coveragePenalty,
  coverageScore,
  coverageTrueMu,
  drawPseudoExperiment,
  expectedBand,
  expectedBandErrors,
  fit,
  fitConfig,
  fixedPoiFit,
  hypotest,
  neymanBelt,
  neymanInterval,
  observedPvalues,
  profileLikelihoodInterval,
  pvalueStandardError,
  requireConverged,
  runCoverageBlock,
  sampleAuxData,
  sampleMainData,
  samplePriorParameters,
  sampleToyData,
  shiftedTestStatistic,
  statisticFromFits,
  summariseCoverage,
  testStatistic,
  toyTestStatistic,
  upperLimit,
  upperLimitScan,
  type BeltPoint,
  type BeltSample,
  type CoverageBin,
  type CoverageBlockResult,
  type CoverageBlockSpec,
  type CoverageFailure,
  type CoverageRecord,
  type CoverageSummary,
  type FitConfig,
  type FitOptions,
  type FitResult,
  type HypotestResult,
  type IntervalMethod,
  type NeymanBelt,
  type NeymanBeltOptions,
  type NeymanInterval,
  type NuisanceMode,
  type PriorSamplingOptions,
  type ProfileInterval,
  type ProfileIntervalOptions,
  type PseudoExperiment,
  type PseudoExperimentConfig,
  type TestStatistic,
  type TestStatisticOptions,
  type TestStatisticResult,
  type ToyCalculatorOptions,
  type ToyFailure,
  type ToyFailureSummary,
  type ToyFitStrategy,
  type ToyHypotestResult,
  type ToyTestStatistic,
  type UpperLimitOptions,
  type UpperLimitResult,
} from './inference/index.js';
export * from './math/index.js';
export * from './optimize/index.js';
export * from './templates/index.js';
export * from './objectives/index.js';
