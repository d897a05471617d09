/**
 * Direct encoding (SNASNet's): the analog image is the input at every timestep. The encoded input is
 * marked `static`, which lets the network apply its stem (conv + BN) once and feed the same analog
 * tensor to the first spiking layers at every step, as the official code does (METHOD.md §2).
 *
 * @since 0.1.0
 */
import type { Encoder } from "@spikernel/core"
import { Schema } from "effect"

/**
 * Direct encoding has no settings.
 *
 * @since 0.1.0
 */
export const DirectConfig = Schema.Struct({})

/**
 * @since 0.1.0
 */
export type DirectConfig = typeof DirectConfig.Type

/**
 * The direct encoder. `at(t)` returns the caller's images themselves for every t; `dispose` does
 * nothing, because the images stay the caller's.
 *
 * @since 0.1.0
 */
export const direct = (): Encoder.SpikeEncoder => ({
  id: "direct",
  encode: (images, timesteps) => ({
    timesteps,
    static: true,
    at: () => images,
    dispose: () => {}
  })
})
