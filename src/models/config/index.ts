/**
 * Analysis configs: the schema (YAML/JSON, zod), the expressions of weights and selections, the
 * event-file reader and the compilation into an Analysis with its datasets per split.
 */
export { analysisConfigSchema, type AnalysisConfig, type AnalysisConfigInput, type ConfigChannel, type ConfigModifier, type ConfigParameter, type ConfigSample } from './schema.js';
export { parseAnalysisConfig, SPLITS, type AnalysisFiles, type CompiledAnalysis, type CompileOptions, type FileEvents, type Simulator, type SplitName } from './compile.js';
export { compileAnalysis, NODE_ANALYSIS_FILES } from './compile-node.js';
export { parseExpression, type Expression } from './expression.js';
export { eventFileKind, fileColumns, readColumns, type ColumnTable } from './events.js';
export { loadAnalysisConfig, type LoadedConfig } from './load.js';
