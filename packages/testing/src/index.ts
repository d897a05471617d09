/**
 * `@spikernel/testing`: contract suites that every implementation of a kind must pass, and fixture
 * helpers.
 *
 * @since 0.1.0
 */
export * from "./DatasetLoaderContract.ts"
export * from "./EncoderContract.ts"
export * from "./EvaluatorContract.ts"
export * from "./NeuronContract.ts"
export * from "./SchemaContract.ts"
export * from "./Screen.ts"
export * from "./ScorerContract.ts"
export * from "./SearchSpaceContract.ts"
export * from "./SelectorContract.ts"
export * from "./StrategyContract.ts"
export * from "./ToySearchSpace.ts"
