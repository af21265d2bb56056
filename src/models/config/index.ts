/**
 * Analysis configs: the schema (YAML/JSON, zod), the expressions of weights and selections, the
 * event-file reader and the compilation into an Analysis with its datasets per split.
 */
export { analysisConfigSchema, type AnalysisConfig, type AnalysisConfigInput, type ConfigChannel, type ConfigModifier, type ConfigParameter, type ConfigSample } from './schema.js';
export { compileAnalysis, parseAnalysisConfig, SPLITS, type CompiledAnalysis, type CompileOptions, type Simulator, type SplitName } from './compile.js';
export { parseExpression, type Expression } from './expression.js';
export { eventFileKind, fileColumns, readColumns, type ColumnTable } from './events.js';
export { loadAnalysisConfig, type LoadedConfig } from './load.js';
