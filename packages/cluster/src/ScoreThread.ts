/**
 * The entry of a worker's compute thread: receives jobs (`{ id, kind, job }`: a score or a step job
 * as canonical JSON) from its runner, computes them one at a time with `WorkerCompute`, and posts back
 * `{ id, reply }` or `{ id, failure }` (a JobFailure's fields). Its own event loop may block for
 * the length of a score; the runner's does not.
 *
 * @since 0.1.0
 */
import { setPriority } from "node:os"
import { parentPort, workerData } from "node:worker_threads"
import * as NodeServices from "@effect/platform-node/NodeServices"
import type { Registry } from "@spikernel/pipeline"
import { Builtins } from "@spikernel/snasnet"
import type { BackendChoice } from "@spikernel/tensor"
import { Cause, Effect, Schema } from "effect"
import { JobFailure } from "./ScoreMessage.ts"
import * as WorkerCompute from "./WorkerCompute.ts"

const data = workerData as {
  readonly backend: BackendChoice
  readonly worker: string
  /** A module whose `registry` export this thread computes with (default: the built-in one). */
  readonly registry?: string
}
const port = parentPort!
const encodeFailure = Schema.encodeSync(JobFailure)

// On Linux a priority set with pid 0 is this thread's (and the threads it starts: the wasm
// backend's): the runner's event loop, which must refresh shard locks on time, keeps the upper hand
// on a busy machine.
try {
  setPriority(0, 10)
} catch {
  // Not permitted here: compute at the normal priority.
}

const registry =
  data.registry === undefined
    ? Builtins.registry
    : ((await import(data.registry)) as { readonly registry: Registry.Registry }).registry

const program = Effect.gen(function* () {
  const computer = yield* WorkerCompute.make({
    registry,
    backend: data.backend,
    worker: data.worker
  })
  // One job at a time per thread: the pool hands a thread its next job only after this reply.
  let queue: Promise<void> = Promise.resolve()
  port.on(
    "message",
    (message: { readonly id: number; readonly kind: "score" | "step"; readonly job: string }) => {
      queue = queue.then(() =>
        Effect.runPromise(
          (message.kind === "step" ? computer.runStep(message.job) : computer.run(message.job)).pipe(
            Effect.matchCause({
              onSuccess: (reply) => port.postMessage({ id: message.id, reply }),
              onFailure: (cause) => {
                const failure = cause.reasons.find((r) => r._tag === "Fail")
                port.postMessage({
                  id: message.id,
                  failure: encodeFailure(
                    failure !== undefined
                      ? (failure as unknown as { readonly error: JobFailure }).error
                      : new JobFailure({
                          reason: "worker",
                          worker: data.worker,
                          detail: `the computation failed: ${String(Cause.squash(cause)).split("\n")[0]}`
                        })
                  )
                })
              }
            })
          )
        )
      )
    }
  )
  // A backend that does not start fails every job with its reason; the thread is still ready.
  yield* Effect.ignore(computer.warm)
  port.postMessage({ ready: true })
  yield* Effect.never
})

Effect.runFork(Effect.scoped(program).pipe(Effect.provide(NodeServices.layer)))
