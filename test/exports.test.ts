/** Pins the public API of each barrel: an export added or removed must be a deliberate change. */
import { describe, expect, it } from 'vitest';
import * as autodiff from '../src/autodiff/index.js';
import * as root from '../src/index.js';
import * as stats from '../src/stats/index.js';

describe('public exports', () => {
  it('src/stats', () => {
    expect(Object.keys(stats).sort()).toMatchInlineSnapshot(`
      [
        "AsymptoticCalculator",
        "DEFAULT_INTERPOLATION",
        "EXPECTED_SIGMAS",
        "HistFactoryModel",
        "InputError",
        "MODIFIER_TYPES",
        "NumericalError",
        "TEST_STATISTICS",
        "applyJsonPatch",
        "bestFreeFit",
        "bracketRoot",
        "buildModel",
        "buildParameterSets",
        "choleskyFactor",
        "choleskyInPlace",
        "choleskySolve",
        "choleskySolveMany",
        "clsFromShifted",
        "code4Coefficients",
        "covarianceFromTwiceNllHessian",
        "digamma",
        "erf",
        "erfc",
        "findRoot",
        "fit",
        "fitConfig",
        "fixedPoiFit",
        "formatPath",
        "histosysDelta",
        "hypotest",
        "inverseHessianCovariance",
        "inverseSymmetricPositiveDefinite",
        "isPatchSet",
        "ldltSolve",
        "loadWorkspace",
        "logGamma",
        "luFactor",
        "luSolve",
        "matVec",
        "minimize",
        "modelChannels",
        "modelSamples",
        "modifiedCholeskyInPlace",
        "normalCdf",
        "normalPdf",
        "normalQuantile",
        "normalSf",
        "normsysInterpolator",
        "observedData",
        "parseJsonPatch",
        "parsePatchSet",
        "parsePointer",
        "parseWorkspace",
        "poissonLogPdf",
        "readJsonFile",
        "requireConverged",
        "selectMeasurement",
        "selectPatch",
        "shiftedTestStatistic",
        "solveLinear",
        "solveSymmetricPositiveDefinite",
        "staterrorLayouts",
        "statisticFromFits",
        "testStatistic",
        "trigamma",
        "upperLimit",
        "upperLimitScan",
        "writeFileAtomic",
      ]
    `);
  });
  it('src/autodiff', () => {
    expect(Object.keys(autodiff).sort()).toMatchInlineSnapshot(`
      [
        "BACKEND_REQUESTS",
        "bandwidthOf",
        "centralDifferences",
        "checkGradient",
        "hardHistogram",
        "initBackend",
        "kdeHistogram",
        "parseBackendRequest",
      ]
    `);
  });
  it('the root re-exports both', () => {
    expect(Object.keys(root).sort()).toEqual([...new Set([...Object.keys(stats), ...Object.keys(autodiff)])].sort());
  });
});
