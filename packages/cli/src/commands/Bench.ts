/**
 * `spikernel bench kernels|score|train|data|store`: throughput figures, measured on this machine, and
 * the cost of a finished pipeline's second run (`store`: its wall time and the store's bytes per
 * candidate).
 *
 * Benchmarks are commands, never timed assertions in tests. Each subcommand loads its module only
 * when it runs, so the CLI starts without TensorFlow.js for the commands that do not compute.
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import { computeKernels, computeKernelsOption, json } from "../Flags.ts"
import { emit } from "../Output.ts"

const backendFlag = Flag.Literals("backend", ["auto", "node-gpu", "node", "wasm", "cpu"]).pipe(
  Flag.withDescription("Tensor backend (default: SPIKERNEL_BACKEND, else auto)"),
  Flag.optional
)

const kernels = Command.make(
  "kernels",
  {
    json,
    quick: Flag.Boolean("quick").pipe(
      Flag.withDescription("Five rows instead of the full grid"),
      Flag.withDefault(false)
    ),
    includeCpu: Flag.Boolean("include-cpu").pipe(
      Flag.withDescription("Also time the pure-JS cpu backend (slow; a small grid)"),
      Flag.withDefault(false)
    ),
    threads: Flag.Int("threads").pipe(
      Flag.withDescription("wasm threads (default: all cores)"),
      Flag.optional
    ),
    computeKernels: Flag.Literals("compute-kernels", ["native", "wasm"]).pipe(
      Flag.withDescription("Time only these wasm convolution kernels (default: native when built, and wasm)"),
      Flag.optional
    ),
    repeats: Flag.Int("repeats").pipe(
      Flag.withDescription("Timed rounds per row, fastest kept (default 3; more on a busy machine)"),
      Flag.optional
    )
  },
  Effect.fnUntraced(function* (input) {
    const { KernelBench } = yield* Effect.promise(() => import("@spikernel/tensor"))
    const { benchKernels, renderBenchKernels } = KernelBench
    const result = yield* benchKernels({
      quick: input.quick,
      includeCpu: input.includeCpu,
      ...(Option.isSome(input.threads) ? { threads: input.threads.value } : {}),
      ...(Option.isSome(input.computeKernels) ? { computeKernels: [input.computeKernels.value] } : {}),
      ...(Option.isSome(input.repeats) ? { repeats: input.repeats.value } : {})
    })
    yield* emit(input.json, result, renderBenchKernels)
  })
).pipe(
  Command.withDescription(
    "GFLOP/s of conv forward, input gradient and filter gradient per backend, and the train-step ratio"
  )
)

const score = Command.make(
  "score",
  {
    json,
    backend: backendFlag,
    computeKernels,
    candidates: Flag.Int("candidates").pipe(
      Flag.withDescription("Candidates timed per configuration"),
      Flag.withDefault(2)
    ),
    paper: Flag.Boolean("paper").pipe(
      Flag.withDescription(
        "Also the paper's size (32x32x3, widths 256/512, B=256, T=5): it scores, or is refused before it starts with the memory it needs"
      ),
      Flag.withDefault(false)
    )
  },
  Effect.fnUntraced(function* (input) {
    const [{ BenchScore }, { Backend }] = yield* Effect.promise(() =>
      Promise.all([import("@spikernel/snasnet"), import("@spikernel/tensor")])
    )
    const { benchScore, benchScoreConfigs, renderBenchScore } = BenchScore
    const { a, b, paper } = benchScoreConfigs
    const result = yield* benchScore({
      candidates: input.candidates,
      configs: input.paper ? [a, b, paper] : [a, b]
    }).pipe(
      Effect.provide(
        Backend.layer({
          ...(Option.isSome(input.backend) ? { backend: input.backend.value } : {}),
          ...computeKernelsOption(input.computeKernels)
        })
      )
    )
    yield* emit(input.json, result, renderBenchScore)
  })
).pipe(
  Command.withDescription("Seconds per SAHD candidate and the share spent outside the network forward pass")
)

const train = Command.make(
  "train",
  {
    json,
    computeKernels,
    threads: Flag.Int("threads").pipe(
      Flag.withDescription("wasm threads (default: all cores)"),
      Flag.optional
    )
  },
  Effect.fnUntraced(function* (input) {
    const { BenchTrain } = yield* Effect.promise(() => import("@spikernel/snasnet"))
    const { benchTrain, renderBenchTrain } = BenchTrain
    const result = yield* benchTrain({
      ...computeKernelsOption(input.computeKernels),
      ...(Option.isSome(input.threads) ? { threads: input.threads.value } : {})
    })
    yield* emit(input.json, result, renderBenchTrain)
  })
).pipe(
  Command.withDescription(
    "Training images per second (forward + backward + update) and peak memory, wasm vs cpu"
  )
)

const data = Command.make(
  "data",
  {
    json,
    spec: Flag.String("spec").pipe(
      Flag.withDescription("Dataset SPEC to decode (default: Debian's Fashion-MNIST)"),
      Flag.optional
    )
  },
  Effect.fnUntraced(function* (input) {
    const [{ Datasets }, { DatasetSpec }] = yield* Effect.promise(() =>
      Promise.all([import("@spikernel/snasnet"), import("@spikernel/core")])
    )
    const { benchData, renderBenchData } = Datasets.DecodeBench
    const spec = Option.isSome(input.spec)
      ? yield* DatasetSpec.parseDatasetSpec(input.spec.value, "--spec")
      : undefined
    const result = yield* benchData(spec === undefined ? {} : { spec })
    yield* emit(input.json, result, renderBenchData)
  })
).pipe(Command.withDescription("Time to decode a whole dataset from disk"))

const store = Command.make(
  "store",
  {
    json,
    candidates: Flag.Int("candidates").pipe(
      Flag.withDescription("Candidates of the searched pipeline"),
      Flag.withDefault(1000)
    )
  },
  Effect.fnUntraced(function* (input) {
    const { benchStore, renderBenchStore } = yield* Effect.promise(() => import("./BenchStore.ts"))
    const result = yield* benchStore({ candidates: input.candidates })
    yield* emit(input.json, result, renderBenchStore)
  })
).pipe(
  Command.withDescription(
    "Wall time of a second `spikernel run` of a finished search (must compute nothing; target < 2 s at 1000 candidates) and the store's bytes per candidate (Node only)"
  )
)

const cluster = Command.make(
  "cluster",
  {
    json,
    cluster: Flags.cluster,
    candidates: Flag.Int("candidates").pipe(
      Flag.withDescription("Candidates of the overhead search (waiting 0 ms, one at a time)"),
      Flag.withDefault(50)
    ),
    scalingCandidates: Flag.Int("scaling-candidates").pipe(
      Flag.withDescription("Candidates of each scaling search"),
      Flag.withDefault(12)
    ),
    waitMs: Flag.Int("wait-ms").pipe(
      Flag.withDescription("What each scaling candidate waits, in milliseconds"),
      Flag.withDefault(1000)
    ),
    workers: Flag.String("workers").pipe(
      Flag.withDescription("Worker counts of the scaling searches, comma-separated"),
      Flag.withDefault("1,2,3")
    ),
    redelivery: Flag.Boolean("redelivery").pipe(
      Flag.withDescription("Measure redelivery after a worker's SIGKILL (--no-redelivery skips it)"),
      Flag.withDefault(true)
    )
  },
  Effect.fnUntraced(function* (input) {
    const { benchCluster, renderBenchCluster, BenchClusterError } = yield* Effect.promise(
      () => import("./BenchCluster.ts")
    )
    const url = Flags.clusterUrl(input.cluster)
    if (url === undefined)
      return yield* new BenchClusterError({
        reason: "needs a cluster database: --cluster postgres://USER@HOST:PORT/DB (or SPIKERNEL_CLUSTER)"
      })
    const result = yield* benchCluster({
      url,
      candidates: input.candidates,
      scalingCandidates: input.scalingCandidates,
      waitMs: input.waitMs,
      workers: input.workers.split(",").map((n) => Number(n.trim())),
      redelivery: input.redelivery
    })
    yield* emit(input.json, result, renderBenchCluster)
  })
).pipe(
  Command.withDescription(
    "The cluster path's cost per candidate (median; target ≤ 20 ms), throughput with 1, 2, 3 workers, and redelivery after a worker's SIGKILL; starts its own workers (Node only)"
  )
)

/**
 * @since 0.1.0
 */
export const bench = Command.make("bench").pipe(
  Command.withDescription("Benchmarks: kernels, score, train, data, store, cluster"),
  Command.withSubcommands([kernels, score, train, data, store, cluster])
)
