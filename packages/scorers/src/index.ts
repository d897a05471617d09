/**
 * `@spikernel/scorers`: the training-free SAHD score of SNASNet (METHOD.md §3) and the figures a
 * selection needs (parameters, memory).
 *
 * The kernel math is pure and exact: bit-packed codes (`BitCodes`), their Gram matrix by popcount
 * (`HammingGram`), the float32-faithful kernel accumulation (`SahdKernel`) and a pivoted float64
 * log-determinant (`LogDet`).
 *
 * @since 0.1.0
 */
export * from "./BitCodes.ts"
export * from "./HammingGram.ts"
export * from "./LogDet.ts"
/** The safetensors format, and the PyTorch ↔ tfjs weight layouts. */
export * from "./Safetensors.ts"
export * from "./SahdKernel.ts"
export * from "./SpikePacking.ts"
export * from "./WasmGram.ts"
export * from "./WeightLayout.ts"
