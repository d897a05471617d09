/**
 * End-to-end support for `spikernel dashboard`: start it on a free port and wait for the URL it
 * prints (timing the start), and a checksum of every file under a store (to show it never wrote).
 */
import { createHash } from "node:crypto"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { type CliResult, startSpikernel } from "./ToyProject.ts"

/** SHA-256 of each file under `root` (sorted paths), and of the whole list: a store's fingerprint. */
export const treeChecksum = (root: string): string => {
  const lines: Array<string> = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const info = statSync(path)
      if (info.isDirectory()) {
        lines.push(`${relative(root, path)}/`)
        walk(path)
      } else
        lines.push(`${relative(root, path)} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`)
    }
  }
  walk(root)
  return createHash("sha256").update(lines.join("\n")).digest("hex")
}

export interface RunningDashboard {
  readonly url: string
  /** Wall milliseconds from spawning the process to its URL on stdout. */
  readonly startMs: number
  readonly stop: () => Promise<CliResult>
  readonly done: Promise<CliResult>
}

/** Starts `spikernel dashboard --store <store> --port 0` and resolves once it prints its URL. */
export const startDashboard = (
  store: string,
  extra: ReadonlyArray<string> = []
): Promise<RunningDashboard> => {
  const started = performance.now()
  const { child, done } = startSpikernel(["dashboard", "--store", store, "--port", "0", ...extra])
  return new Promise((resolve, reject) => {
    let stdout = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      const url = /^(http:\/\/\S+)\n/m.exec(stdout)
      if (url !== null)
        resolve({
          url: url[1],
          startMs: performance.now() - started,
          done,
          stop: () => {
            child.kill("SIGINT")
            return done
          }
        })
    })
    void done.then((result) =>
      reject(new Error(`dashboard exited ${result.status} before listening: ${result.stderr}`))
    )
  })
}

/** GET `path` of the dashboard as JSON (throws on a status other than 200). */
export const getJson = async (url: string, path: string): Promise<unknown> => {
  const response = await fetch(new URL(path, url))
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`)
  return response.json()
}
