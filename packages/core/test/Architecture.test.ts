import { describe, expect, it } from "@effect/vitest"
import { schemaContract } from "@spikernel/testing"
import { Effect, Exit } from "effect"
import { Architecture, convOpCount, formatArchitecture, parseArchitecture } from "../src/Architecture.ts"

const snasnet = { cellType: "backward", kernels: [1, 3] } as const

const failure = (text: string, options: Parameters<typeof parseArchitecture>[1] = snasnet): string => {
  const exit = Effect.runSyncExit(parseArchitecture(text, options))
  if (Exit.isSuccess(exit)) throw new Error(`"${text}" was accepted`)
  return String(exit.cause)
}

describe("Architecture string form", () => {
  it("round-trips the README architectures exactly", () => {
    for (const text of ["0302 0030 3003 0000", "0303 0030 2002 0200", "0000 0000 0000 0000"]) {
      const arch = Effect.runSync(parseArchitecture(text, snasnet))
      expect(formatArchitecture(arch)).toBe(text)
    }
  })

  it("counts the conv ops of both README cells (METHOD §1.3)", () => {
    expect(convOpCount(Effect.runSync(parseArchitecture("0302 0030 3003 0000", snasnet)))).toBe(5)
    expect(convOpCount(Effect.runSync(parseArchitecture("0303 0030 2002 0200", snasnet)))).toBe(6)
  })

  it("rejects a wrong number of rows", () => {
    expect(failure("0302 0030 3003")).toMatch(/expected 4 rows separated by spaces, got 3/)
  })

  it("rejects a wrong number of columns", () => {
    expect(failure("0302 003 3003 0000")).toMatch(/row 1 "003" has 3 columns, expected 4/)
  })

  it("rejects a non-digit", () => {
    expect(failure("0302 00x0 3003 0000")).toMatch(/row 1 "00x0" contains "x", which is not a digit/)
  })

  it("rejects an op index outside the kernel set's op list", () => {
    expect(failure("0305 0030 3003 0000")).toMatch(
      /op index 5 at M\[0\]\[3\] is outside the op list of kernel set \[1,3\]/
    )
    // With three kernels the op list has six entries, so 5 (avgpool) is fine there.
    expect(() =>
      Effect.runSync(parseArchitecture("0305 0030 3003 0000", { ...snasnet, kernels: [1, 3, 5] }))
    ).not.toThrow()
  })

  it("rejects a non-zero diagonal", () => {
    expect(failure("0302 0230 3003 0000")).toMatch(/diagonal entry M\[1\]\[1\] is 2, it must be 0/)
  })

  it("rejects both directions of one pair in a backward cell", () => {
    expect(failure("0302 3030 3003 0000")).toMatch(/pair \(0,1\) has both directions set/)
  })

  it("rejects a backward edge in a forward cell", () => {
    expect(failure("0302 0030 3003 0000", { cellType: "forward", kernels: [1, 3] })).toMatch(
      /M\[2\]\[0\] = 3 is a backward edge 2→0, but the cell type is forward/
    )
  })

  it("rejects an even, a non-positive and a duplicated kernel size", () => {
    expect(failure("0302 0030 3003 0000", { ...snasnet, kernels: [1, 4] })).toMatch(/kernel size 4 is even/)
    expect(failure("0302 0030 3003 0000", { ...snasnet, kernels: [0, 3] })).toMatch(
      /kernel size 0 is not a positive/
    )
    expect(failure("0302 0030 3003 0000", { ...snasnet, kernels: [-3, 3] })).toMatch(
      /kernel size -3 is not a positive/
    )
    expect(failure("0302 0030 3003 0000", { ...snasnet, kernels: [3, 3] })).toMatch(
      /kernel size 3 appears twice/
    )
  })
})

schemaContract("Architecture", Architecture, {
  valid: [
    {
      cellType: "backward",
      kernels: [1, 3],
      matrix: [
        [0, 3, 0, 2],
        [0, 0, 3, 0],
        [3, 0, 0, 3],
        [0, 0, 0, 0]
      ]
    },
    {
      cellType: "forward",
      kernels: [3, 7],
      matrix: [
        [0, 1, 4, 3],
        [0, 0, 2, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 0]
      ]
    },
    {
      cellType: "backward",
      kernels: [1, 3, 5, 7],
      matrix: [
        [0, 6, 0, 5],
        [0, 0, 0, 0],
        [4, 0, 0, 3],
        [0, 2, 0, 0]
      ]
    }
  ],
  invalid: [
    {
      name: "a malformed matrix string",
      input: { cellType: "backward", kernels: [1, 3], matrix: "0302" },
      message: /expected 4 rows/
    },
    {
      name: "an op index outside the set",
      input: { cellType: "backward", kernels: [1, 3], matrix: "0309 0030 3003 0000" },
      message: /op index 9/
    },
    {
      name: "an even kernel",
      input: { cellType: "backward", kernels: [2, 3], matrix: "0302 0030 3003 0000" },
      message: /kernel size 2 is even/
    },
    {
      name: "an unknown cell type",
      input: { cellType: "sideways", kernels: [1, 3], matrix: "0302 0030 3003 0000" },
      message: /Expected "forward" \| "backward"\n {2}at \["cellType"\]/
    },
    {
      name: "a non-zero diagonal",
      input: { cellType: "backward", kernels: [1, 3], matrix: "1302 0030 3003 0000" },
      message: /diagonal entry M\[0\]\[0\]/
    }
  ]
})
