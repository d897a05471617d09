/**
 * `@spikernel/neurons`: spiking neuron models (LIF, IF, PLIF) as `init` + pure `step`, and the
 * surrogate gradients of their firing function.
 *
 * @since 0.1.0
 */

/** Integrate-and-fire. */
export * as IntegrateAndFire from "./IntegrateAndFire.ts"
/** Leaky integrate-and-fire (SNASNet's neuron). */
export * as Lif from "./Lif.ts"
/** The NeuronModel plugins. */
export * as NeuronPlugins from "./NeuronPlugins.ts"
/** Parametric LIF. */
export * as Plif from "./Plif.ts"
/** Surrogate gradients. */
export * as Surrogate from "./Surrogate.ts"
/** The fused LIF step kernels (cpu, wasm). */
export * as LifKernel from "./LifKernel.ts"
/** The WebAssembly SIMD LIF step of the wasm backend. */
export * as LifWasm from "./LifWasm.ts"
