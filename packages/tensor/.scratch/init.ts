import * as tf from "@tensorflow/tfjs-core"
const threaded = process.argv[2] === "mt"
const wasm = await import("@tensorflow/tfjs-backend-wasm")
if (threaded) tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true)
wasm.setThreadsCount(2)
console.log("setBackend", await tf.setBackend("wasm"))
console.log("threads", wasm.getThreadsCount(), tf.env().getFlags())
const x = tf.randomNormal([32, 28, 28, 32]) as tf.Tensor4D
const w = tf.randomNormal([3, 3, 32, 32]) as tf.Tensor4D
for (let r = 0; r < 3; r++) {
  const t0 = performance.now()
  const y = tf.conv2d(x, w, 1, "same"); y.dataSync(); y.dispose()
  const dt = performance.now() - t0
  console.log("conv fwd ms", dt.toFixed(1), "GFLOP/s", (2 * 32 * 28 * 28 * 32 * 32 * 9 / dt / 1e6).toFixed(1))
}
process.exit(0)
