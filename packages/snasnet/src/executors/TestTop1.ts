/**
 * The `test-top1` evaluate executor: loads each trained model's weights back into a fresh network
 * and evaluates it on the test split in eval mode (BatchNorm running statistics, no dropout,
 * METHOD.md §5) — top-1, loss, the firing rate of every LIF layer and spikes per sample — with its
 * parameters, bytes, memory on a device at every weight bit-width (`DeployedMemory`) and the
 * synaptic operations and energy of one inference from the measured spikes (`SynapticOperations`). Its `items`
 * are what a selector ranks (metric = top-1 as a fraction).
 *
 * The weights are read from the safetensors file the train step stored, so an evaluation also
 * checks that the stored model is the trained one.
 *
 * @since 0.1.0
 */
import { Architecture, DatasetLoader, DeploymentMemory, Selector } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Executor } from "@spikernel/pipeline"
import { DeployedMemory, Network, SynapticOperations } from "@spikernel/spaces"
import type { Backend } from "@spikernel/tensor"
import * as Training from "@spikernel/training"
import { Effect, Schema } from "effect"
import { assignTorchWeights, decodeTorchWeights } from "../TorchWeights.ts"
import { quantizeTorchWeights } from "../Quantization.ts"
import { trainableNetwork } from "../TrainableNetwork.ts"
import { trainedModelsOf } from "./Bptt.ts"

const id = "test-top1"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * @since 0.1.0
 */
export const EvaluatorConfig = Schema.Struct({
  /** Images per forward pass; the results do not depend on it (eval mode). */
  batchSize: Positive.pipe(Schema.withDecodingDefaultKey(Effect.succeed(100))),
  /**
   * Also evaluate each model with its convolution and linear weights quantized (symmetric, per
   * output channel, `Quantization`) to these bit-widths; `[]` skips it.
   */
  quantize: Schema.Array(Schema.Literals([8, 4])).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed([8, 4] as const))
  )
})

/**
 * @since 0.1.0
 */
export type EvaluatorConfig = typeof EvaluatorConfig.Type

/**
 * An `evaluate` step's evaluator, with its config checked by TypeScript.
 *
 * @since 0.1.0
 */
export const testTop1 = (config: typeof EvaluatorConfig.Encoded = {}) => ({ id, config })

/**
 * Operations of one inference on the test split, from the measured firing rates: accumulates driven
 * by spikes (SynOps), the stem's multiply-accumulates on the analog image, and the energy at
 * Horowitz's 45 nm figures (FP32 and INT8 arithmetic, memory access not included).
 *
 * @since 0.1.0
 */
export const Operations = Schema.Struct({
  synOps: Schema.Finite,
  macs: Schema.Finite,
  energyMicrojoules: Schema.Struct({ fp32: Schema.Finite, int8: Schema.Finite })
})

/**
 * @since 0.1.0
 */
export type Operations = typeof Operations.Type

/**
 * One model's evaluation.
 *
 * @since 0.1.0
 */
export const ModelEvaluation = Schema.Struct({
  id: Schema.String,
  architecture: Architecture.Architecture,
  samples: Schema.Int,
  top1: Schema.Finite,
  loss: Schema.Finite,
  firingRates: Schema.Array(Training.LayerFiringRate),
  spikesPerSample: Schema.Finite,
  params: Schema.Int,
  bytes: Schema.Int,
  /** The memory on a device at 32/16/8/4-bit weights (weights, BN as shipped, state, activations). */
  memory: DeploymentMemory.DeploymentMemory,
  /** Operations of one inference from the measured spikes, and their energy (`SynapticOperations`). */
  operations: Operations,
  /** Top-1 and loss with the weights quantized after training, per bit-width (`quantize`). */
  quantized: Schema.Array(
    Schema.Struct({ bits: Schema.Literals([8, 4]), top1: Schema.Finite, loss: Schema.Finite })
  ),
  /** Test top-1 the training measured after its last epoch (the same figure, recomputed here). */
  trainedTop1: Schema.Finite,
  epochs: Schema.Int,
  /** Seconds the training's epochs took (training steps, without evaluation). */
  trainSeconds: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type ModelEvaluation = typeof ModelEvaluation.Type

/**
 * The output: `StepOutput.EvaluationResult` (metric and items, which selectors read) plus the full
 * evaluation of every model.
 *
 * @since 0.1.0
 */
export const Evaluation = Schema.Struct({
  metric: Schema.String,
  items: Schema.Array(Selector.SelectionItem),
  models: Schema.Array(ModelEvaluation)
})

/**
 * @since 0.1.0
 */
export type Evaluation = typeof Evaluation.Type

const fail = (reason: string) => new Executor.ExecutorError({ executor: id, reason })

/**
 * @since 0.1.0
 */
export const testEvaluator: Executor.StepExecutor<
  EvaluatorConfig,
  typeof EvaluatorConfig.Encoded,
  Evaluation,
  typeof Evaluation.Encoded,
  DatasetLoader.DatasetLoader | Backend
> = {
  step: "evaluate",
  id,
  // 2: every model and item carries its memory at each weight bit-width.
  // 3: every model carries its synaptic operations and energy per inference, and its top-1 with
  //    weights quantized to 8 and 4 bits.
  version: 3,
  description: "Test top-1, loss and per-layer firing rates of each trained model (eval mode), with its size",
  config: EvaluatorConfig,
  output: Evaluation,
  execute: (context) =>
    Effect.gen(function* () {
      const trained = yield* trainedModelsOf(id, context.inputs)
      const loader = yield* DatasetLoader.DatasetLoader
      const info = yield* loader.info.pipe(Effect.mapError((error) => fail(error.message)))
      if (info.fingerprint !== trained.dataset) {
        yield* Effect.logWarning(
          `evaluate: the models were trained on data set ${trained.dataset.slice(0, 12)}…, evaluated on ${info.name} (${info.fingerprint.slice(0, 12)}…)`
        )
      }
      const models: Array<ModelEvaluation> = []
      for (const [i, model] of trained.models.entries()) {
        const evaluation = yield* Effect.scoped(
          Effect.gen(function* () {
            const network = yield* Effect.acquireRelease(
              Effect.sync(() =>
                Network.buildNetwork(model.architecture, model.network, { neuron: Lif.lif(), seed: 0 })
              ),
              (built) => Effect.sync(built.dispose)
            )
            const weights = yield* decodeTorchWeights(model.weights, `model ${model.id}`).pipe(
              Effect.mapError((error) => fail(error.message))
            )
            const evaluateWith = (assigned: typeof weights, what: string) =>
              Effect.andThen(
                assignTorchWeights(network, assigned).pipe(Effect.mapError((error) => fail(error.reason))),
                Training.evaluate({
                  model: trainableNetwork(network),
                  timesteps: model.timesteps,
                  batchSize: context.config.batchSize
                }).pipe(Effect.mapError((error) => fail(`${model.id}${what}: ${error.message}`)))
              )
            const quantized: Array<ModelEvaluation["quantized"][number]> = []
            for (const bits of context.config.quantize) {
              const result = yield* evaluateWith(
                quantizeTorchWeights(weights, bits),
                ` at ${bits}-bit weights`
              )
              quantized.push({ bits, top1: result.top1, loss: result.loss })
            }
            // Last, the trained weights themselves: the evaluation this record is about.
            return { ...(yield* evaluateWith(weights, "")), quantized }
          })
        )
        const last = model.epochs[model.epochs.length - 1]
        // Evaluation feeds the image directly (the same input every timestep): the stem runs once.
        const counted = SynapticOperations.synapticOperations({
          arch: model.architecture,
          config: model.network,
          timesteps: model.timesteps,
          firingRates: evaluation.firingRates,
          staticInput: true
        })
        if ("unknown" in counted)
          return yield* fail(
            `${model.id}: the evaluation measured spikes of layer ${counted.unknown}, which the network does not have`
          )
        models.push({
          id: model.id,
          architecture: model.architecture,
          samples: evaluation.samples,
          top1: evaluation.top1,
          loss: evaluation.loss,
          firingRates: evaluation.firingRates,
          spikesPerSample: evaluation.spikesPerSample,
          params: model.params,
          bytes: model.bytes,
          memory: DeployedMemory.deployedMemory(model.architecture, model.network),
          operations: {
            synOps: counted.synOps,
            macs: counted.macs,
            energyMicrojoules: {
              fp32: SynapticOperations.energyMicrojoules(counted, SynapticOperations.horowitz45nmFp32),
              int8: SynapticOperations.energyMicrojoules(counted, SynapticOperations.horowitz45nmInt8)
            }
          },
          quantized: evaluation.quantized,
          trainedTop1: last?.testTop1 ?? Number.NaN,
          epochs: model.epochs.length,
          trainSeconds: model.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0)
        })
        yield* context.progress({ done: i + 1, total: trained.models.length, unit: "models" })
      }
      return {
        metric: "test top-1 accuracy",
        items: models.map((model) => ({
          id: model.id,
          architecture: model.architecture,
          metric: model.top1,
          params: model.params,
          bytes: model.bytes,
          memory: model.memory
        })),
        models
      }
    })
}
