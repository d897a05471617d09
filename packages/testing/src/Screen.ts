/**
 * A minimal terminal for tests of live output: it plays back what a program wrote to a terminal
 * (text, `\r`, `\n`, and the few escapes a redrawn progress block uses — cursor up `ESC[nA`, to a
 * previous line `ESC[nF`, erase below `ESC[J`, erase line `ESC[K` / `ESC[2K`) into the lines a person
 * would see, scrollback included. Any other escape sequence is an error, so a test notices output it
 * cannot judge.
 *
 * @since 0.1.0
 */

/**
 * The lines on screen (and scrolled off it) after playing back `output`.
 *
 * @since 0.1.0
 */
export const playBack = (output: string): ReadonlyArray<string> => {
  const lines: Array<string> = [""]
  let row = 0
  let col = 0
  const put = (char: string) => {
    const line = lines[row].padEnd(col, " ")
    lines[row] = line.slice(0, col) + char + line.slice(col + 1)
    col++
  }
  for (let i = 0; i < output.length; i++) {
    const char = output[i]
    if (char === "\r") col = 0
    else if (char === "\n") {
      // A pty turns `\n` into `\r\n` (onlcr); a program writing to one relies on it.
      row++
      col = 0
      if (row === lines.length) lines.push("")
    } else if (char === "\x1b") {
      const match = /^\[(\d*)([AFJK])/.exec(output.slice(i + 1, i + 12))
      if (match === null)
        throw new Error(`unexpected escape sequence at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`)
      const n = match[1] === "" ? 1 : Number(match[1])
      switch (match[2]) {
        case "A":
          row = Math.max(0, row - n)
          break
        case "F":
          row = Math.max(0, row - n)
          col = 0
          break
        case "J":
          // Erase from the cursor to the end of the screen.
          lines[row] = lines[row].slice(0, col)
          lines.length = row + 1
          break
        case "K":
          lines[row] = match[1] === "2" ? "" : lines[row].slice(0, col)
          break
      }
      i += match[0].length
    } else put(char)
  }
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  return lines
}
