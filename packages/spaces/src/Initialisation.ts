/**
 * The official initialisation (METHOD.md §1.1), seeded from the counter-based RNG: each tensor draws
 * from its own stream `network/init/<name>`, so its values depend on (seed, index, name) only, not
 * on the architecture around it or the order tensors are built in.
 *
 * - conv: `kaiming_uniform_(a=2)` → U(−b, b), b = √(6/((1+a²)·fan_in)) = √(1.2/fan_in);
 * - BatchNorm: γ = 1, β = 0, running mean 0, running variance 1;
 * - Linear: weight N(0, 0.01²), bias 0.
 *
 * @since 0.1.0
 */
import { Rng } from "@spikernel/core"
import { specSize, type WeightSpec } from "./WeightSpecs.ts"

const TWO_32 = 4294967296

/**
 * The initial values of one tensor, in tfjs layout.
 *
 * One uint32 per uniform (32 bits of resolution is finer than float32's 24) and Box–Muller pairs
 * for normals keep the initialisation of a 20M-parameter network to about a second.
 *
 * @since 0.1.0
 */
export const initialValues = (
  spec: WeightSpec,
  key: { readonly seed: number; readonly index: number }
): Float32Array => {
  const out = new Float32Array(specSize(spec))
  switch (spec.role) {
    case "conv": {
      const bound = Math.sqrt(1.2 / spec.fanIn)
      const draws = Rng.draws({ seed: key.seed, stream: `network/init/${spec.name}`, index: key.index })
      for (let i = 0; i < out.length; i++) out[i] = (((draws.uint32() + 0.5) / TWO_32) * 2 - 1) * bound
      return out
    }
    case "linear-weight": {
      const draws = Rng.draws({ seed: key.seed, stream: `network/init/${spec.name}`, index: key.index })
      for (let i = 0; i < out.length; i += 2) {
        const u1 = (draws.uint32() + 0.5) / TWO_32
        const u2 = draws.uint32() / TWO_32
        const radius = 0.01 * Math.sqrt(-2 * Math.log(u1))
        out[i] = radius * Math.cos(2 * Math.PI * u2)
        if (i + 1 < out.length) out[i + 1] = radius * Math.sin(2 * Math.PI * u2)
      }
      return out
    }
    case "bn-weight":
    case "bn-running-var":
      return out.fill(1)
    case "bn-bias":
    case "bn-running-mean":
    case "linear-bias":
      return out
  }
}
