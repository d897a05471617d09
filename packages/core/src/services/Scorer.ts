/**
 * The Scorer service: scores one candidate (training-free SAHD, parameters, memory, trained accuracy).
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import { Context, type Effect, Schema } from "effect"
import type { Architecture } from "../Architecture.ts"
import type { DeploymentMemory } from "../DeploymentMemory.ts"
import { MemoryRefusal } from "../Errors.ts"
import type { ScoreResult } from "../CandidateRecord.ts"
import type { Neuron } from "./NeuronModel.ts"

/**
 * A scorer failure (out of memory, bad weights, a dataset error underneath).
 *
 * @since 0.1.0
 */
export class ScoreError extends Schema.TaggedError<ScoreError>()("ScoreError", {
  scorer: Schema.String,
  reason: Schema.String,
  /** Set when the candidate was refused before it started because it would not fit in memory. */
  memory: Schema.optionalKey(MemoryRefusal)
}) {
  override get message(): string {
    return `${this.scorer}: ${this.reason}`
  }
}

/**
 * What a scorer is told about the candidate besides its architecture.
 *
 * @since 0.1.0
 */
export interface ScoreContext {
  readonly seed: number
  /**
   * The stream scorers draw weights and batches from, as (seed, scorer, index). In a pipeline it is
   * derived from the candidate's canonical architecture (not its proposal number), so one cell gets
   * one score however often and in whatever order strategies propose it; a one-off `score` call
   * passes `--index`.
   */
  readonly index: number
}

/**
 * @since 0.1.0
 */
export class Scorer extends Context.Service<
  Scorer,
  {
    readonly id: string
    /** Higher is better, for every scorer (memory and params are negated or reported as details). */
    readonly score: (arch: Architecture, context: ScoreContext) => Effect.Effect<ScoreResult, ScoreError>
  }
>()("@spikernel/core/Scorer") {}

/**
 * Which network a scorer builds for a candidate: a preset of the network builder (`cifar10`,
 * `cifar100`, `tinyimagenet`, `fashion-mnist`, `mnist`; default: the data set's name) with optional
 * overrides of the channel widths C1, C2 and the second pool. Part of a scorer's config, so it
 * enters the cache key.
 *
 * @since 0.1.0
 */
export const NetworkOptions = Schema.Struct({
  preset: Schema.optionalKey(Schema.String),
  widths: Schema.optionalKey(Schema.Tuple([Schema.Int, Schema.Int])),
  secondPool: Schema.optionalKey(Schema.Int)
})

/**
 * @since 0.1.0
 */
export type NetworkOptions = typeof NetworkOptions.Type

/**
 * What a scorer knows of a network without building it.
 *
 * @since 0.1.0
 */
export interface NetworkSummary {
  /** The resolved configuration, for the score's record (preset, widths, pools, …). */
  readonly config: Readonly<Record<string, string | number>>
  /** [height, width, channels] of the input images. */
  readonly imageShape: readonly [number, number, number]
  /** Trainable parameters (`sum(p.numel())` of the official model). */
  readonly params: number
  /** Weight memory at FP32. */
  readonly bytes: number
  /** LIF layers, i.e. hook calls per timestep. */
  readonly lifLayers: number
  /** Per-sample bytes of the state one forward keeps (membranes, spikes, feedback buffers). */
  readonly stateBytesPerSample: number
  /** Multiply-accumulates of one sample's timestep with dense activations (the FLOPs proxy). */
  readonly macsPerTimestep: number
  /** The memory on a device at every weight bit-width (weights, BN as shipped, state, activations). */
  readonly memory: DeploymentMemory
}

/**
 * Called once per LIF layer per timestep in METHOD.md §3's hook order with the layer's official
 * module name, the 0-based step and its spikes (batch first). The tensor is released after the
 * call returns.
 *
 * @since 0.1.0
 */
export type SpikeHook = (layer: string, t: number, spikes: tf.Tensor) => void

/**
 * A built network as a scorer drives it.
 *
 * @since 0.1.0
 */
export interface ScoringNetwork {
  /**
   * One train-mode forward pass (BatchNorm on the batch's statistics, running statistics left
   * alone), with the dropout mask drawn from `dropout` or no dropout. Every tensor it makes is
   * released before it returns.
   */
  readonly run: (
    images: tf.Tensor4D,
    options: {
      readonly timesteps: number
      readonly dropout: { readonly seed: number; readonly index: number } | "off"
      readonly onSpikes: SpikeHook
    }
  ) => void
  readonly dispose: () => void
}

/**
 * Weights given in the official PyTorch layout, by official `state_dict` name.
 *
 * @since 0.1.0
 */
export type TorchWeights = ReadonlyMap<
  string,
  { readonly shape: ReadonlyArray<number>; readonly values: Float32Array }
>

/**
 * Builds the networks that scorers evaluate. Implemented on top of `@spikernel/spaces`' network
 * builder by whoever assembles the plugins (a plugin package never imports another), and provided
 * to the scorer plugins' Layers.
 *
 * @since 0.1.0
 */
export class ScoringNetworks extends Context.Service<
  ScoringNetworks,
  {
    /** Resolves the options (the preset defaults to `dataset`) and summarises the network. */
    readonly summary: (
      arch: Architecture,
      options: NetworkOptions,
      dataset: string
    ) => Effect.Effect<NetworkSummary, ScoreError>
    /**
     * A network with weights initialised from (seed, index), or `weights` (every weight of the
     * network, PyTorch layout) when given; its LIF layers use `neuron`.
     */
    readonly build: (
      arch: Architecture,
      options: NetworkOptions,
      dataset: string,
      init: {
        readonly seed: number
        readonly index: number
        readonly neuron: Neuron
        readonly weights?: TorchWeights
      }
    ) => Effect.Effect<ScoringNetwork, ScoreError>
  }
>()("@spikernel/core/ScoringNetworks") {}

/**
 * What the `trained-accuracy` scorer asks of a trainer: train a candidate's network from its
 * initialisation at (seed, index) and report its top-1 on the test split.
 *
 * @since 0.1.0
 */
export interface TrainingRequest {
  readonly network: NetworkOptions
  readonly dataset: string
  readonly epochs: number
  readonly batchSize: number
  readonly timesteps: number
  readonly seed: number
  readonly index: number
  /** Evaluate on the first `evalBatches` test batches only (quick checks); all when omitted. */
  readonly evalBatches?: number
}

/**
 * @since 0.1.0
 */
export interface TrainingOutcome {
  /** Top-1 on the evaluated test images, in [0, 1]. */
  readonly accuracy: number
  readonly evaluated: number
  readonly params: number
  readonly bytes: number
}

/**
 * Trains and evaluates candidates. Implemented on top of `@spikernel/spaces` and
 * `@spikernel/training` by whoever assembles the plugins, like {@link ScoringNetworks}.
 *
 * @since 0.1.0
 */
export class CandidateTrainer extends Context.Service<
  CandidateTrainer,
  {
    readonly trainAndEvaluate: (
      arch: Architecture,
      request: TrainingRequest
    ) => Effect.Effect<TrainingOutcome, ScoreError>
  }
>()("@spikernel/core/CandidateTrainer") {}
