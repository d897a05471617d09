/**
 * Writes a Fashion-MNIST (or MNIST) directory holding the first N training images and the whole test
 * split (or its first TEST_N images), in the same IDX format — how `spikernel-fmnist.ts` and the
 * studies run at a stated smaller scale on one CPU (training cost grows with the training split,
 * and each epoch's evaluation with the test split).
 *
 *   npx tsx pipelines/tools/fashion-mnist-subset.ts /usr/share/datasets/fashion-mnist 10000 data/fashion-mnist-10k
 *   npx tsx pipelines/tools/fashion-mnist-subset.ts /usr/share/datasets/fashion-mnist 5000 data/fmnist-5k-2k 2000
 *
 * The first N images of each official split are nearly balanced (Fashion-MNIST is shuffled).
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

const [source, countText, target, testText] = process.argv.slice(2)
if (
  source === undefined ||
  countText === undefined ||
  target === undefined ||
  !/^\d+$/.test(countText) ||
  (testText !== undefined && !/^\d+$/.test(testText))
) {
  process.stderr.write("usage: fashion-mnist-subset.ts SOURCE_DIR N TARGET_DIR [TEST_N]\n")
  process.exit(1)
}
const count = Number(countText)
const testCount = testText === undefined ? undefined : Number(testText)

/** An IDX file, raw or gzipped. */
const read = (name: string): Buffer => {
  const raw = join(source, name)
  if (existsSync(raw)) return readFileSync(raw)
  if (existsSync(`${raw}.gz`)) return gunzipSync(readFileSync(`${raw}.gz`))
  process.stderr.write(`fashion-mnist-subset: ${raw}(.gz) not found\n`)
  process.exit(1)
}

/** The first `n` items of an IDX file of unsigned bytes (magic 00 00 08 rank, then rank sizes). */
const firstItems = (file: Buffer, n: number): Buffer => {
  const rank = file[3]
  const dims = Array.from({ length: rank }, (_, i) => file.readUInt32BE(4 + 4 * i))
  if (n > dims[0]) {
    process.stderr.write(`fashion-mnist-subset: asked for ${n} items, the file has ${dims[0]}\n`)
    process.exit(1)
  }
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1)
  const header = Buffer.from(file.subarray(0, 4 + 4 * rank))
  header.writeUInt32BE(n, 4)
  const start = 4 + 4 * rank
  return Buffer.concat([header, file.subarray(start, start + n * itemBytes)])
}

mkdirSync(target, { recursive: true })
writeFileSync(join(target, "train-images-idx3-ubyte"), firstItems(read("train-images-idx3-ubyte"), count))
writeFileSync(join(target, "train-labels-idx1-ubyte"), firstItems(read("train-labels-idx1-ubyte"), count))
for (const name of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
  writeFileSync(join(target, name), testCount === undefined ? read(name) : firstItems(read(name), testCount))
process.stdout.write(
  `${target}: ${count} training images, ${testCount === undefined ? "the whole test split" : `${testCount} test images`}\n`
)
