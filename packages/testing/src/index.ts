/**
 * `@spikernel/testing`: contract suites that every implementation of a kind must pass, and fixture
 * helpers.
 *
 * @since 0.1.0
 */
export * from "./SchemaContract.ts"
export * from "./StrategyContract.ts"
export * from "./ToySearchSpace.ts"
