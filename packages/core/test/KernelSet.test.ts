import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { avgPoolOp, kernelOfOp, opCount, opNames, parseKernelSet, spikernelPairs } from "../src/KernelSet.ts"

describe("KernelSet", () => {
  it("defines the op list [zero, skip, conv k…, avgpool3]", () => {
    expect(opNames([1, 3])).toEqual(["zero", "skip", "conv1x1", "conv3x3", "avgpool3x3"])
    expect(opNames([3, 7])).toEqual(["zero", "skip", "conv3x3", "conv7x7", "avgpool3x3"])
    expect(opCount([1, 3, 5, 7])).toBe(7)
    expect(kernelOfOp([1, 5], 3)).toBe(5)
    expect(kernelOfOp([1, 5], 4)).toBeUndefined()
    expect(avgPoolOp([1, 5])).toBe(4)
  })

  it("lists the six SpiKernel pairs with the SNASNet baseline first", () => {
    expect(spikernelPairs.map((s) => s.join(","))).toEqual(["1,3", "1,5", "1,7", "3,5", "3,7", "5,7"])
  })

  it.effect("parses the command-line form", () =>
    Effect.gen(function* () {
      expect(yield* parseKernelSet("1,5")).toEqual([1, 5])
      expect(yield* parseKernelSet(" 3 , 7 ")).toEqual([3, 7])
    })
  )

  it("names the problem with a bad --kernels", () => {
    const message = (text: string) => {
      const exit = Effect.runSyncExit(parseKernelSet(text))
      return Exit.isFailure(exit) ? String(exit.cause) : "accepted"
    }
    expect(message("4")).toMatch(/--kernels: kernel size 4 is even/)
    expect(message("1,x")).toMatch(/"x" in "1,x" is not an integer kernel size/)
    expect(message("3,3")).toMatch(/appears twice/)
    expect(message("")).toMatch(/is not an integer/)
  })
})
