/**
 * Spikernel's side of the comparison with the official SNASNet code (issue 14): BPTT training images/s
 * and SAHD seconds per candidate at 32×32×3 (CIFAR-10's network), widths 32/64, B = 64, T = 5, on the
 * wasm backend with the convolution kernels of SPIKERNEL_KERNELS (native or wasm).
 *
 *   SPIKERNEL_KERNELS=native npx tsx scripts/official-bench/ours.ts [--candidates 3] [--steps 3] [--out FILE]
 *
 * Prints one JSON document: the training row, and the scored candidates with their architectures (the
 * official script scores the same cells: `official.py --archs …`), each with the process's CPU seconds
 * (the training figure includes the memory planner's probe and the warm-up step; the rate does not).
 */
import { BenchScore, BenchTrain } from "@spikernel/snasnet"
import { Backend } from "@spikernel/tensor"
import { Effect, Logger } from "effect"
import * as fs from "node:fs"

const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback
}
const candidates = Number(flag("candidates", "3"))
const steps = Number(flag("steps", "3"))
const what = flag("what", "both")
const arch = flag("arch", "0302 0030 3003 0000")
const out = flag("out", "")

const config = {
  label: "32x32x3 widths 32/64 B=64 T=5",
  imageShape: [32, 32, 3],
  preset: "cifar10",
  widths: [32, 64],
  batch: 64,
  timesteps: 5
} as const

/** CPU seconds of this process (all threads) while `effect` runs, beside its result. */
const withCpu = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const before = process.cpuUsage()
    const value = yield* effect
    const used = process.cpuUsage(before)
    return { value, cpuSeconds: (used.user + used.system) / 1e6 }
  })

const program = Effect.gen(function* () {
  const train =
    what === "score"
      ? undefined
      : yield* withCpu(BenchTrain.benchTrain({
          arch,
          runs: [
            {
              backend: "wasm",
              configs: [{ imageShape: [32, 32, 3], widths: [32, 64], kernels: [1, 3], timesteps: 5, batch: 64 }]
            }
          ],
          steps: { wasm: steps },
          warmup: { wasm: 1 }
        }))
  const score =
    what === "train"
      ? undefined
      : yield* withCpu(
          BenchScore.benchScore({ candidates, configs: [config] }).pipe(
            Effect.provide(Backend.layer({ backend: "wasm" }))
          )
        )
  const result = { kernels: process.env.SPIKERNEL_KERNELS ?? "auto", train, score }
  const text = JSON.stringify(result, null, 2)
  if (out !== "") fs.writeFileSync(out, `${text}\n`)
  console.log(text)
})

Effect.runPromise(program.pipe(Effect.provideService(Logger.LogToStderr, true))).catch((error) => {
  console.error(error)
  process.exit(1)
})
