#!/usr/bin/env node
// Runs vitest 5 on Node 20. vitest 5 declares Node >= 22 and its reporter (main process only) calls
// Map.groupBy / Object.groupBy (Node 21+) when it prints failures, which crashes on Node 20 and hides
// the failing test. These spec-conformant polyfills cover exactly those calls; test workers need none.
if (typeof Map.groupBy !== "function") {
  Map.groupBy = (items, key) => {
    const groups = new Map()
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      const group = groups.get(k)
      if (group === undefined) groups.set(k, [item])
      else group.push(item)
    }
    return groups
  }
}
if (typeof Object.groupBy !== "function") {
  Object.groupBy = (items, key) => {
    const groups = Object.create(null)
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      ;(groups[k] ??= []).push(item)
    }
    return groups
  }
}
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = () => {
    let resolve
    let reject
    const promise = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}
// This machine class gives about one core to several processes; 5 s defaults make CLI and tensor tests
// flaky under load without catching anything real. Long measurements are benchmarks, not tests.
if (!process.argv.some((arg) => arg.startsWith("--testTimeout"))) process.argv.push("--testTimeout=600000")
if (!process.argv.some((arg) => arg.startsWith("--hookTimeout"))) process.argv.push("--hookTimeout=600000")
await import(new URL("../node_modules/vitest/vitest.mjs", import.meta.url).href)
