#!/usr/bin/env node
// The install step of @spikernel/onednn: builds the addon with node-gyp against the system's oneDNN
// (Debian: `apt-get install -y libdnnl-dev`). It never fails the install: without a compiler, the
// oneDNN headers or node-gyp, it prints one line saying why, records the reason in
// `build/status.json` for the loader's message, and Spikernel runs on the wasm kernels.
//
// - `SPIKERNEL_ONEDNN=off` skips the build (to test the fallback, or on purpose).
// - Node's headers: the ones installed with Node (`<prefix>/include/node`) when present, so the
//   build needs no download (node-gyp would fetch them from nodejs.org otherwise).
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const build = join(pkg, "build")

const record = (status) => {
  mkdirSync(build, { recursive: true })
  writeFileSync(
    join(build, "status.json"),
    `${JSON.stringify({ ...status, at: new Date().toISOString() })}\n`
  )
}

const skip = (reason) => {
  record({ built: false, reason })
  console.warn(`@spikernel/onednn: native kernels not built (${reason}); Spikernel will use the wasm kernels`)
  process.exit(0)
}

if (process.env.SPIKERNEL_ONEDNN === "off") skip("SPIKERNEL_ONEDNN=off")
if (process.platform !== "linux" && process.platform !== "darwin") skip(`platform ${process.platform}`)

const headerDirs = ["/usr/include", "/usr/local/include", "/opt/homebrew/include"]
if (!headerDirs.some((dir) => existsSync(join(dir, "oneapi/dnnl/dnnl.hpp")))) {
  skip("oneDNN headers not found; on Debian/Ubuntu: apt-get install -y libdnnl-dev")
}

// npm passes its bundled node-gyp in npm_config_node_gyp; else one on PATH.
const gyp = process.env.npm_config_node_gyp
const command = gyp !== undefined && existsSync(gyp) ? [process.execPath, gyp] : ["node-gyp"]
const prefix = resolve(dirname(process.execPath), "..")
const nodedir = existsSync(join(prefix, "include/node/common.gypi")) ? [`--nodedir=${prefix}`] : []
const result = spawnSync(command[0], [...command.slice(1), "rebuild", ...nodedir], {
  cwd: pkg,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "pipe"]
})
if (result.error !== undefined || result.status !== 0) {
  const output = `${result.stdout ?? ""}\n${result.stderr ?? ""}`
  const lines = output.split("\n").filter((line) => /error|not found|No such file/i.test(line))
  const why = result.error?.message ?? lines.slice(0, 2).join("; ").trim()
  writeFileSync(join(pkg, "build-error.log"), output)
  skip(`node-gyp failed: ${why || `exit ${result.status}`}; full log in packages/onednn/build-error.log`)
}
record({ built: true })
console.log("@spikernel/onednn: native kernels built (oneDNN)")
