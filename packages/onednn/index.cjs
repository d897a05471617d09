// @spikernel/onednn: the compiled oneDNN convolution addon (see README.md). Loading it throws an
// Error with code ONEDNN_NOT_BUILT (and the install step's reason) when the build did not happen.
"use strict"
const fs = require("node:fs")
const path = require("node:path")

const binary = path.join(__dirname, "build", "Release", "onednn.node")

if (!fs.existsSync(binary)) {
  let reason = "not built"
  try {
    const status = JSON.parse(fs.readFileSync(path.join(__dirname, "build", "status.json"), "utf8"))
    if (typeof status.reason === "string") reason = status.reason
  } catch {}
  const error = new Error(`@spikernel/onednn: ${reason}`)
  error.code = "ONEDNN_NOT_BUILT"
  throw error
}

// Before libgomp starts (it reads the variable once): idle OpenMP threads sleep instead of spinning,
// so they do not take the vCPUs that tfjs-wasm's own threads need between convolutions.
if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "passive"

module.exports = require(binary)
module.exports.path = binary
