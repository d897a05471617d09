/**
 * Writes a Fashion-MNIST (or MNIST) directory holding the first N training images and the whole test
 * split, in the same IDX format — how `spikernel-fmnist.ts` runs at a stated smaller scale on one
 * CPU (its training cost grows with the training split; the test split stays whole).
 *
 *   npx tsx pipelines/tools/fashion-mnist-subset.ts /usr/share/datasets/fashion-mnist 10000 data/fashion-mnist-10k
 *
 * The first N images of the official training split are nearly balanced (Fashion-MNIST is shuffled).
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

const [source, countText, target] = process.argv.slice(2)
if (source === undefined || countText === undefined || target === undefined || !/^\d+$/.test(countText)) {
  process.stderr.write("usage: fashion-mnist-subset.ts SOURCE_DIR N TARGET_DIR\n")
  process.exit(1)
}
const count = Number(countText)

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
  writeFileSync(join(target, name), read(name))
process.stdout.write(`${target}: ${count} training images, the whole test split\n`)
