/**
 * A worker's compute threads: `slots` worker threads, each running `ScoreThread.ts`, and a job
 * given to the first idle one (the semaphore of `--slots`). A thread that dies fails its job (the
 * run sees the worker's failure) and is replaced.
 *
 * The thread is started on `ScoreThread.mjs`, which registers tsx and loads the TypeScript entry,
 * whether the CLI itself runs from its bundle or its sources: a thread is started once per worker,
 * so its start-up time does not count per candidate. A thread that dies before it is ready is not
 * started again (the worker is broken: its jobs fail with the reason).
 *
 * @since 0.1.0
 */
import { Worker } from "node:worker_threads"
import type { BackendChoice } from "@spikernel/tensor"
import { Deferred, Effect, Queue, Schema, type Scope } from "effect"
import { JobFailure } from "./ScoreMessage.ts"

/**
 * @since 0.1.0
 */
export interface ThreadPool {
  readonly slots: number
  /** Computes a job (`score` or `step`, as canonical JSON) in the first idle thread. */
  readonly run: (job: string, kind?: "score" | "step") => Effect.Effect<string, JobFailure>
}

type Reply =
  | { readonly ready: true }
  | { readonly id: number; readonly reply: string }
  | { readonly id: number; readonly failure: unknown }

const decodeFailure = Schema.decodeUnknownSync(JobFailure)

/**
 * @since 0.1.0
 */
export const make = (options: {
  readonly slots: number
  readonly backend: BackendChoice
  readonly worker: string
  /** A module whose `registry` export the threads compute with (default: the built-in registry). */
  readonly registry?: string | undefined
}): Effect.Effect<ThreadPool, never, Scope.Scope> =>
  Effect.gen(function* () {
    const entry = new URL("./ScoreThread.mjs", import.meta.url)
    const idle = yield* Queue.unbounded<Worker>()
    const pending = new Map<number, Deferred.Deferred<string, JobFailure>>()
    const owner = new Map<number, Worker>()
    let next = 0
    let closed = false
    let broken: string | undefined
    const threads: Array<Worker> = []

    const spawn = (): Worker => {
      const thread = new Worker(entry, {
        workerData: {
          backend: options.backend,
          worker: options.worker,
          ...(options.registry === undefined ? {} : { registry: options.registry })
        }
      })
      threads.push(thread)
      let ready = false
      thread.on("message", (message: Reply) => {
        if ("ready" in message) {
          ready = true
          Queue.offerUnsafe(idle, thread)
          return
        }
        const deferred = pending.get(message.id)
        pending.delete(message.id)
        owner.delete(message.id)
        Queue.offerUnsafe(idle, thread)
        if (deferred === undefined) return
        if ("reply" in message) Deferred.doneUnsafe(deferred, Effect.succeed(message.reply))
        else Deferred.doneUnsafe(deferred, Effect.fail(decodeFailure(message.failure)))
      })
      const died = (why: string) => {
        for (const [id, worker] of owner) {
          if (worker !== thread) continue
          const deferred = pending.get(id)
          pending.delete(id)
          owner.delete(id)
          if (deferred !== undefined)
            Deferred.doneUnsafe(
              deferred,
              Effect.fail(
                new JobFailure({
                  reason: "worker",
                  worker: options.worker,
                  detail: `compute thread died: ${why}`
                })
              )
            )
        }
        if (!ready) {
          broken ??= why
          // Jobs waiting for a thread: none will come.
          Queue.offerUnsafe(idle, thread)
          return
        }
        if (!closed) spawn()
      }
      thread.on("error", (error) => died(error.message))
      thread.on("exit", (code) => {
        if (code !== 0) died(`exit code ${code}`)
      })
      return thread
    }

    for (let i = 0; i < options.slots; i++) spawn()
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        closed = true
        await Promise.all(threads.map((t) => t.terminate()))
      })
    )

    return {
      slots: options.slots,
      run: (job, kind = "score") =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            const thread = yield* restore(Queue.take(idle))
            if (broken !== undefined) {
              Queue.offerUnsafe(idle, thread)
              return yield* new JobFailure({
                reason: "worker",
                worker: options.worker,
                detail: `its compute thread did not start: ${broken}`
              })
            }
            const id = next++
            const deferred = Deferred.makeUnsafe<string, JobFailure>()
            pending.set(id, deferred)
            owner.set(id, thread)
            thread.postMessage({ id, kind, job })
            return yield* Deferred.await(deferred)
          })
        )
    }
  })
