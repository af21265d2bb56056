/** Fits, test statistics, the asymptotic calculator (CLs, p-values, expected bands) and upper limits. */
export { fit, fitConfig, fixedPoiFit, type FitConfig, type FitOptions, type FitResult } from './fit.js';
export {
  bestFreeFit,
  requireConverged,
  statisticFromFits,
  testStatistic,
  TEST_STATISTICS,
  type TestStatistic,
  type TestStatisticOptions,
  type TestStatisticResult,
} from './test-statistics.js';
export {
  AsymptoticCalculator,
  clsFromShifted,
  EXPECTED_SIGMAS,
  hypotest,
  shiftedTestStatistic,
  type HypotestResult,
} from './asymptotics.js';
export { upperLimit, upperLimitScan, type UpperLimitOptions, type UpperLimitResult } from './limits.js';
