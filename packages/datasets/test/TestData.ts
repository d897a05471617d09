/**
 * Where the tests find their data: the committed fixtures, Debian's Fashion-MNIST, and scratch copies
 * of fixtures to damage.
 *
 * @since 0.1.0
 */
import { cpSync, existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The repository root.
 *
 * @since 0.1.0
 */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The committed fixtures folder.
 *
 * @since 0.1.0
 */
export const fixtures = join(repoRoot, "fixtures")

/**
 * Debian's `dataset-fashion-mnist` files (installed by `.ci/run`).
 *
 * @since 0.1.0
 */
export const debianFashionMnist = "/usr/share/datasets/fashion-mnist"

/**
 * Whether the Debian package's files are present.
 *
 * @since 0.1.0
 */
export const hasDebianFashionMnist = existsSync(join(debianFashionMnist, "train-images-idx3-ubyte.gz"))

/**
 * The reason printed when tests that need the Debian package are skipped.
 *
 * @since 0.1.0
 */
export const debianMissing = `${debianFashionMnist} is absent: install it with \`apt-get install -y dataset-fashion-mnist\``

/**
 * A fresh temporary directory.
 *
 * @since 0.1.0
 */
export const scratch = (prefix: string): string => mkdtempSync(join(tmpdir(), `spikernel-${prefix}-`))

/**
 * A scratch copy of a fixture folder (relative to `fixtures/`) under `root`, to damage.
 *
 * @since 0.1.0
 */
export const copyFixture = (root: string, name: string): string => {
  const target = mkdtempSync(join(root, `${name.replace(/\W+/g, "-")}-`))
  cpSync(join(fixtures, name), target, { recursive: true })
  return target
}
