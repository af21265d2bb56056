/** Pins the public API of each barrel: an export added or removed must be a deliberate change. */
import { describe, expect, it } from 'vitest';
import * as autodiff from '../src/autodiff/index.js';
import * as root from '../src/index.js';
import * as stats from '../src/stats/index.js';
import * as node from '../src/node.js';
import * as testing from '../src/stats/testing/index.js';
import * as models from '../src/models/index.js';
import * as inferno from '../experiments/inferno/index.js';
import * as neos from '../experiments/neos/index.js';
import * as report from '../experiments/report/index.js';
import * as simulators from '../experiments/simulators/index.js';

describe('public exports', () => {
  it('src/stats', () => {
    expect(Object.keys(stats).sort()).toMatchInlineSnapshot(`
      [
        "AsymptoticCalculator",
        "DEFAULT_INTERPOLATION",
        "EXPECTED_SIGMAS",
        "FREE_SIGMA_IN_PYHF",
        "HistFactoryModel",
        "InputError",
        "MODIFIER_TYPES",
        "NumericalError",
        "TEST_STATISTICS",
        "TemplateModel",
        "applyJsonPatch",
        "applyPatchDocuments",
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
        "convergedFit",
        "countsHead",
        "covariance",
        "covarianceFromTwiceNllHessian",
        "covarianceVjp",
        "cramerRaoWidth",
        "digamma",
        "discoverySignificance",
        "erf",
        "erfc",
        "expectedCls",
        "findRoot",
        "fisherInformation",
        "fisherInformationVjp",
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
        "parseJsonText",
        "parsePatchSet",
        "parsePointer",
        "parseWorkspace",
        "poissonLogPdf",
        "profileWidth",
        "profiledParameters",
        "requireConverged",
        "selectMeasurement",
        "selectPatch",
        "shiftedTestStatistic",
        "solveLinear",
        "solveSymmetricPositiveDefinite",
        "staterrorLayouts",
        "statisticFromFits",
        "templateLayout",
        "templateSpecSchema",
        "testStatistic",
        "trigamma",
        "twiceNllSensitivities",
        "upperLimit",
        "upperLimitScan",
        "workspaceFromDocuments",
      ]
    `);
  });
  it('src/autodiff', () => {
    expect(Object.keys(autodiff).sort()).toMatchInlineSnapshot(`
      [
        "BACKEND_REQUESTS",
        "DEFAULT_SUM_CHUNK",
        "argmaxHistogram",
        "bandwidthOf",
        "centralDifferences",
        "checkGradient",
        "float64Op",
        "hardCutCount",
        "hardHistogram",
        "implicitAdjoint",
        "initBackend",
        "isFastBatchMatMulGradientRegistered",
        "kdeHistogram",
        "parseBackendRequest",
        "registerFastBatchMatMulGradient",
        "restoreBatchMatMulGradient",
        "sigmoidCut",
        "softCount",
        "softmaxHistogram",
        "stagedSum",
        "sumToFloat64",
      ]
    `);
  });
  it('src/stats/testing (diffinfer/testing, needs fast-check)', () => {
    expect(Object.keys(testing).sort()).toMatchInlineSnapshot(`
      [
        "centralDifferences",
        "checkGradient",
        "histogramArb",
        "templateCaseArb",
        "workspaceArb",
      ]
    `);
  });
  it('src/models (and its flows namespace)', () => {
    expect(Object.keys(models).sort()).toMatchInlineSnapshot(`
      [
        "ACTIVATIONS",
        "Analysis",
        "BatchSampler",
        "FeatureSummary",
        "MlpSummary",
        "TRAIN_OBJECTIVES",
        "adam",
        "applyGradients",
        "createMlp",
        "dataset",
        "defaultInputNames",
        "deserializeState",
        "disposeState",
        "evaluateHard",
        "fitStandardisation",
        "flows",
        "gatherRows",
        "hardBins",
        "hardTemplateCounts",
        "loadMlp",
        "optimizerFrom",
        "scheduleFrom",
        "serializeState",
        "sgd",
        "summaryOutputs",
        "train",
        "withoutEmptyBins",
      ]
    `);
    expect(Object.keys(models.flows).sort()).toMatchInlineSnapshot(`
      [
        "FLOW_KINDS",
        "createFlow",
        "createNeuralSplineFlow",
        "createRealNvp",
        "fitStandardisation",
        "flowFeatureTransform",
        "flowFeatures",
        "flowFromJSON",
        "loadFlow",
        "processSeed",
        "rationalQuadraticElement",
        "rationalQuadraticSpline",
        "saveFlow",
        "seededNormal",
        "standardNormalLogProb",
        "trainFlow",
        "trainFlowEnsemble",
      ]
    `);
  });
  it('experiments barrels', () => {
    expect({
      inferno: Object.keys(inferno).sort(),
      neos: Object.keys(neos).sort(),
      report: Object.keys(report).sort(),
      simulators: Object.keys(simulators).sort(),
    }).toMatchInlineSnapshot(`
      {
        "inferno": [
          "INFERNO_ALPHA_BOUNDS",
          "INFERNO_ANALYTIC_FLOOR",
          "INFERNO_BENCHMARKS",
          "INFERNO_BENCHMARK_NUISANCES",
          "INFERNO_DATASETS",
          "INFERNO_PAPER_PROFILE_BENCHMARK2",
          "INFERNO_POI_BOUNDS",
          "INFERNO_TABLE2",
          "INFERNO_TEMPLATE_STEPS",
          "InfernoOptimalClassifier",
          "curveCrossings",
          "defaultInfernoBinning",
          "evaluateInferno",
          "infernoAnalysis",
          "infernoAnalyticWidths",
          "infernoPaperWidths",
          "infernoTemplateSpec",
          "infernoUnbinnedFisher",
          "profileCurve",
        ],
        "neos": [
          "NEOS_BLOB_MEANS",
          "NEOS_DEMO_EVENTS",
          "NEOS_NUISANCE",
          "NEOS_YIELDS",
          "neosAnalysis",
          "neosTemplateSpec",
          "simulateNeos",
        ],
        "report": [
          "METHODS",
          "METHOD_COLORS",
          "band",
          "distributionHistograms",
          "distributionPlot",
          "formatBand",
          "formatNumber",
          "profileCurvePlot",
          "quantile",
          "renderPng",
          "renderReport",
          "sigmaComparisonPlot",
          "summariseSeeds",
          "trainingCurvesPlot",
          "writePlot",
        ],
        "simulators": [
          "INFERNO_BACKGROUND_VARIANCE",
          "INFERNO_NOMINAL",
          "INFERNO_SIGNAL",
          "infernoLogDensities",
          "infernoLogRatio",
          "rescaleLambda",
          "shiftR",
          "simulateGaussian",
          "simulateInferno",
        ],
      }
    `);
  });
  it('src/node (diffinfer/node: file reading and writing, kept out of the browser-safe stats barrel)', () => {
    expect(Object.keys(node).sort()).toEqual(['loadWorkspace', 'readJsonFile', 'writeFileAtomic']);
    for (const name of Object.keys(node)) expect(stats, name).not.toHaveProperty(name);
  });

  it('the root re-exports stats, autodiff and node', () => {
    expect(Object.keys(root).sort()).toEqual([...new Set([...Object.keys(stats), ...Object.keys(autodiff), ...Object.keys(node)])].sort());
  });
});
