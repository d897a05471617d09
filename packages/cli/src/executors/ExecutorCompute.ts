/**
 * The services the train and evaluate executors compute with: the tensor backend and a file system.
 *
 * The runner hands executors their inputs, data set and checkpoints, not the run's tensor backend
 * (it starts that only for plugin layers). tfjs has one active backend per process, so an executor
 * takes the one already running — the run's searches started it with the run's `--backend` — and
 * otherwise asks as the CLI does: `SPIKERNEL_BACKEND`, else `auto`. A run whose searches all come
 * from the store therefore trains on `SPIKERNEL_BACKEND`/`auto`, whatever `--backend` says.
 *
 * @since 0.1.0
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Executor } from "@spikernel/pipeline"
import { Backend, type BackendChoice, BackendError } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs"
import { Effect, type FileSystem, Layer, type Path, References } from "effect"

/**
 * The backend request matching the backend tfjs already runs, if any.
 *
 * @since 0.1.0
 */
export const activeChoice = (): BackendChoice | undefined => {
  // `backendName` stays unset until a backend is chosen; reading it starts nothing.
  const name = (tf.engine() as { readonly backendName?: string | null }).backendName
  switch (name) {
    case "wasm":
    case "cpu":
      return name
    case "tensorflow":
      // tfjs-node and tfjs-node-gpu both register as "tensorflow": auto picks the installed one.
      return "auto"
    default:
      return undefined
  }
}

/**
 * Runs an executor's program with the backend and a file system; a backend that fails to start
 * fails the step with the executor's error.
 *
 * @since 0.1.0
 */
export const withCompute =
  (executor: string) =>
  <A, E, R>(
    program: Effect.Effect<A, E, R>
  ): Effect.Effect<
    A,
    Exclude<E, BackendError> | Executor.ExecutorError,
    Exclude<R, Backend | FileSystem.FileSystem | Path.Path>
  > => {
    const choice = activeChoice()
    // A backend already running was announced when it started: taking it again says nothing.
    const backend =
      choice === undefined
        ? Backend.layer({})
        : Backend.layer({ backend: choice }).pipe(
            Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
          )
    return program.pipe(
      Effect.provide(Layer.merge(backend, NodeServices.layer)),
      Effect.mapError((error) =>
        error instanceof BackendError
          ? new Executor.ExecutorError({ executor, reason: error.message })
          : error
      )
    ) as Effect.Effect<
      A,
      Exclude<E, BackendError> | Executor.ExecutorError,
      Exclude<R, Backend | FileSystem.FileSystem | Path.Path>
    >
  }
