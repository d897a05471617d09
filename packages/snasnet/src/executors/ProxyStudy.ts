/**
 * The `proxy-study` report executor (issue 18): how well training-free proxies rank architectures
 * the way training does, written as `@spikernel/report`'s study folder.
 *
 * The pipeline shape it reads (`proxyStudySteps` builds it): one random search per proxy over the
 * same space with the same strategy and seed — so every proxy scores the same sequence of
 * architectures, candidate i drawing from (seed, strategy, i) whatever the scorer — the first
 * search's candidates all selected and trained for E epochs in one `train` step, and this report
 * joining the trained models' per-epoch test accuracy to every proxy's value by architecture. A
 * "random" proxy (a uniform draw per architecture from the study's seed) is the baseline every proxy
 * must beat.
 *
 * @since 0.1.0
 */
import { Architecture, type CandidateRecord, Rng } from "@spikernel/core"
import { Executor, report, type Step, search, select, train, use } from "@spikernel/pipeline"
import { ProxyStudy } from "@spikernel/report"
import { randomSearch } from "@spikernel/search"
import { topK } from "@spikernel/selectors"
import { Effect, Schema } from "effect"
import type { bptt } from "./Bptt.ts"
import { StudyReport, studyReporter } from "./StudyReporter.ts"
import { TrainedModels } from "./TrainedModels.ts"

const id = "proxy-study"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * How a proxy's value is read off a search's candidate record.
 *
 * @since 0.1.0
 */
export const ProxySource = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  /** The search step (its name in `from`) whose scorer computed it. */
  search: Schema.String,
  /** A field of the score's `details` (`params`, `macsPerTimestep`); the score's value without it. */
  detail: Schema.optionalKey(Schema.String)
})

/**
 * @since 0.1.0
 */
export const ProxyStudyConfig = Schema.Struct({
  out: Schema.String,
  name: Schema.String,
  seed: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  proxies: Schema.Array(ProxySource),
  /** Add the random proxy (default true). */
  random: Schema.Boolean,
  /** The train step (its name in `from`). */
  models: Schema.String,
  resamples: Positive,
  topK: Schema.Array(Positive),
  within: Schema.Struct({ subset: Positive, points: Schema.Array(Schema.Finite) })
})

/**
 * @since 0.1.0
 */
export type ProxyStudyConfig = typeof ProxyStudyConfig.Type

/**
 * What the `proxy-study` step stores.
 *
 * @since 0.1.0
 */
export const ProxyStudyReport = StudyReport

const proxyValue = (record: CandidateRecord.CandidateRecord, detail: string | undefined): number => {
  const score = record.scores[0]
  if (score === undefined) return Number.NaN
  if (detail === undefined) return score.value
  const value = score.details?.[detail]
  return typeof value === "number" ? value : Number.NaN
}

/**
 * The uniform draw of the random proxy for one architecture: a pure function of (seed, label).
 *
 * @since 0.1.0
 */
export const randomProxy = (seed: number, label: string): number =>
  Rng.draws({ seed, stream: `proxy-study/random/${label}`, index: 0 }).float()

/**
 * @since 0.1.0
 */
export const proxyStudyReporter = studyReporter({
  id,
  version: 1,
  description:
    "The proxy-quality study: Kendall τ-b and Spearman ρ of each training-free proxy against trained accuracy, with bootstrap intervals",
  config: ProxyStudyConfig,
  write: ({ config, inputs, dataset, outDir, fail }) =>
    Effect.gen(function* () {
      const trained = yield* Executor.inputOf(id, inputs, `from.${config.models}`, ["train"])
      const models = yield* Schema.decodeUnknownEffect(TrainedModels)(trained.encoded).pipe(
        Effect.mapError(() => fail(`the output of "${trained.step}" is not a bptt training's models`))
      )
      const byProxy = new Map<string, Map<string, number>>()
      for (const proxy of config.proxies) {
        const found = yield* Executor.inputOf(id, inputs, `from.${proxy.search}`, ["search"])
        const values = new Map<string, number>()
        for (const record of found.value.records) {
          const label = Architecture.architectureLabel(record.architecture)
          if (!values.has(label)) values.set(label, proxyValue(record, proxy.detail))
        }
        byProxy.set(proxy.name, values)
      }
      const studyModels: Array<ProxyStudy.StudyModel> = []
      for (const model of models.models) {
        const label = Architecture.architectureLabel(model.architecture)
        const proxies: Record<string, number> = {}
        for (const proxy of config.proxies) {
          const value = byProxy.get(proxy.name)?.get(label)
          if (value === undefined) {
            return yield* fail(
              `trained architecture ${label} is not among the candidates of "${proxy.search}" (proxy ${proxy.name}); every proxy's search must use the space, strategy, seed and budget of the trained one`
            )
          }
          proxies[proxy.name] = value
        }
        if (config.random) proxies.random = randomProxy(config.seed, label)
        const [first, ...rest] = model.epochs.map((epoch) => epoch.testTop1)
        if (first === undefined) return yield* fail(`trained model ${label} has no epoch record`)
        studyModels.push({
          architecture: model.architecture,
          params: model.params,
          accuracyByEpoch: [first, ...rest],
          proxies
        })
      }
      const written = yield* ProxyStudy.writeProxyStudy(
        {
          name: config.name,
          dataset: dataset ?? models.dataset,
          seed: config.seed,
          proxies: [
            ...config.proxies.map(({ name, description }) => ({ name, description })),
            ...(config.random
              ? [{ name: "random", description: "A uniform draw per architecture (the baseline)" }]
              : [])
          ],
          models: studyModels,
          resamples: config.resamples,
          topK: config.topK,
          within: config.within
        },
        outDir
      ).pipe(Effect.mapError((error) => fail(error.message)))
      return {
        files: written,
        lines: [
          `${written.analysis.models} architectures, ${written.analysis.epochs} epochs; ranking after epoch ${written.analysis.stability.fromEpoch} vs ${written.analysis.stability.toEpoch}: τ-b ${written.analysis.stability.kendall.value.toFixed(3)}`,
          ...written.analysis.proxies.map(
            (p) =>
              `${p.proxy}: τ-b ${p.kendall.value.toFixed(3)} [${p.kendall.low.toFixed(3)}, ${p.kendall.high.toFixed(3)}], ρ ${p.spearman.value.toFixed(3)}`
          )
        ]
      }
    })
})

/**
 * The steps of a proxy-quality study: one search of `architectures` random draws per proxy (the same
 * space, random strategy and seed, so the same architectures), every distinct architecture of the
 * first trained with `trainer` (a random search repeats cells — 72 draws of SNASNet's {1,3} space
 * held 40 distinct ones in `pipelines/proxy-study.ts` — and a repeat is trained once), and the study report. Never a top-k by a
 * proxy: that would bias the sample towards the proxy's own favourites.
 *
 * @since 0.1.0
 */
export const proxyStudySteps = (options: {
  readonly out: string
  readonly name: string
  readonly seed: number
  readonly dataset: Step.Step<"dataset">
  readonly space: Step.PluginRef<"SearchSpace">
  readonly architectures: number
  /** By name: the scorer, what it is, and the `details` field to read instead of its value. */
  readonly proxies: Readonly<
    Record<
      string,
      { readonly scorer: Step.PluginRef<"Scorer">; readonly description: string; readonly detail?: string }
    >
  >
  readonly trainer: ReturnType<typeof bptt>
  readonly random?: boolean
  readonly resamples?: number
  readonly topK?: ReadonlyArray<number>
  readonly within?: { readonly subset: number; readonly points: ReadonlyArray<number> }
}): Readonly<Record<string, Step.Step<Step.Output>>> => {
  const names = Object.keys(options.proxies)
  const [first] = names
  if (first === undefined) throw new Error("proxyStudySteps needs at least one proxy")
  const searches: Record<string, Step.Step<"candidates">> = {}
  for (const name of names) {
    searches[`proxy-${name}`] = search({
      dataset: options.dataset,
      space: options.space,
      strategy: use(randomSearch, {}),
      scorer: options.proxies[name].scorer,
      budget: options.architectures,
      seed: options.seed
    })
  }
  const sampled = searches[`proxy-${first}`]
  const all = select({ from: sampled, selector: use(topK, { k: options.architectures }) })
  const models = train({ from: all, dataset: options.dataset, trainer: options.trainer })
  const config: typeof ProxyStudyConfig.Encoded = {
    out: options.out,
    name: options.name,
    seed: options.seed,
    proxies: names.map((name) => ({
      name,
      description: options.proxies[name].description,
      search: `proxy-${name}`,
      ...(options.proxies[name].detail === undefined ? {} : { detail: options.proxies[name].detail })
    })),
    random: options.random ?? true,
    models: "models",
    resamples: options.resamples ?? 2000,
    topK: [...(options.topK ?? [5, 10])],
    within: {
      subset: options.within?.subset ?? 10,
      points: [...(options.within?.points ?? [0.01, 0.02])]
    }
  }
  const study = report({
    from: { data: options.dataset, ...searches, models },
    reporter: { id, config }
  })
  return { data: options.dataset, ...searches, "train-all": all, models, study }
}
