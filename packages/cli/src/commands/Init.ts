/**
 * `spikernel init <dir>`: starts a pipeline folder of one's own, anywhere: a `pipeline.ts` to edit, a
 * `package.json` that makes the folder ES modules and a `tsconfig.json` that type-checks it against
 * this installation's packages, then says how to run and check it. Pipeline files import `@spikernel/snasnet` by name; the `spikernel` launcher
 * resolves it for files outside the repository, and the tsconfig maps it for the type checker.
 *
 * Nothing is overwritten: a file that exists already is left as it is, and the command says so.
 *
 * @since 0.1.0
 */
import { ConfigError } from "@spikernel/core"
import { Effect, FileSystem, Path } from "effect"
import { Argument, Command } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"

const examplePipeline = `/**
 * A first pipeline: a random search with the SAHD score on the bundled Fashion-MNIST subset, the
 * best candidate trained for one epoch, and a report. Run it with \`npx spikernel run <this file>\`.
 */
import {
  bptt,
  Datasets,
  evaluate,
  htmlReport,
  load,
  pipeline,
  Scorers,
  Search,
  search,
  select,
  Selectors,
  space,
  testTop1,
  train,
  use
} from "@spikernel/snasnet"

const seed = 1
const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(Scorers.sahd, { batch: 32, repeats: 2, timesteps: 5, network: { widths: [8, 16] } }),
  budget: 10
})
const best = select({ from: found, selector: use(Selectors.topK, { k: 1 }) })
const models = train({
  from: best,
  dataset: data,
  trainer: bptt({
    network: { widths: [8, 16] },
    training: { epochs: 1, batchSize: 64, timesteps: 5, optimizer: { kind: "adam", lr: 0.004 } }
  })
})
const evaluated = evaluate({ models, dataset: data, evaluator: testTop1() })

export default pipeline({
  name: "my-pipeline",
  seed,
  steps: {
    data,
    found,
    best,
    models,
    evaluated,
    report: htmlReport({ out: "reports/my-pipeline", name: "my-pipeline", seed, from: { data, found, evaluated } })
  }
})
`

/** The tsconfig of a pipeline folder: this installation's packages by name, its Node types. */
const tsconfig = (relativeToRepo: (file: string) => string) => ({
  extends: relativeToRepo("tsconfig.base.json"),
  compilerOptions: {
    paths: { "@spikernel/*": [relativeToRepo("packages/*/src/index.ts")] },
    typeRoots: [relativeToRepo("node_modules/@types")]
  },
  include: ["*.ts", "**/*.ts"],
  exclude: ["node_modules"]
})

/**
 * @since 0.1.0
 */
export interface InitOutput {
  readonly dir: string
  readonly written: ReadonlyArray<string>
  readonly kept: ReadonlyArray<string>
  readonly run: string
  readonly typecheck: string
}

const render = (output: InitOutput): string =>
  [
    ...output.written.map((file) => `wrote ${file}`),
    ...output.kept.map((file) => `kept ${file} (it exists; not overwritten)`),
    `run it:        ${output.run}`,
    `type-check it: ${output.typecheck}`
  ].join("\n")

/**
 * @since 0.1.0
 */
export const init = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "init" as string,
  {
    dir: Argument.String("dir").pipe(Argument.withDescription("The folder to start (created if missing)")),
    json: Flags.json
  },
  Effect.fn("init")(function* ({ dir, json }) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    // This installation: two folders above this file's package (packages/cli/src/commands).
    const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../../..")
    const target = path.resolve(dir)
    const fail = (reason: string) => new ConfigError({ source: dir, reason })
    if ((yield* fs.exists(target)) && (yield* fs.stat(target)).type !== "Directory") {
      return yield* fail("exists and is not a directory")
    }
    yield* fs.makeDirectory(target, { recursive: true }).pipe(Effect.mapError((e) => fail(e.message)))
    const relativeToRepo = (file: string) => path.relative(target, path.join(repo, file)) || "."
    const files: ReadonlyArray<readonly [string, string]> = [
      // ES modules: pipeline files `export default` their pipeline.
      ["package.json", `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`],
      ["pipeline.ts", examplePipeline],
      ["tsconfig.json", `${JSON.stringify(tsconfig(relativeToRepo), null, 2)}\n`]
    ]
    const written: Array<string> = []
    const kept: Array<string> = []
    for (const [name, text] of files) {
      const file = path.join(target, name)
      if (yield* fs.exists(file)) {
        kept.push(file)
        continue
      }
      yield* fs.writeFileString(file, text).pipe(Effect.mapError((e) => fail(e.message)))
      written.push(file)
    }
    const output: InitOutput = {
      dir: target,
      written,
      kept,
      run: `npx spikernel run ${path.join(target, "pipeline.ts")}`,
      typecheck: `npx tsc -p ${target}`
    }
    yield* emit(json, output, render)
  })
).pipe(
  Command.withDescription(
    "Start a pipeline folder of your own: a pipeline.ts and a tsconfig.json that type-checks it"
  ),
  Command.withExamples([
    { command: "spikernel init ~/experiments/kernels", description: "Then edit pipeline.ts and run it" }
  ])
)
