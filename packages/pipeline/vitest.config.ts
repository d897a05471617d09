/**
 * The pipeline package's tests, plus the repository's end-to-end tests in `test/` (kill-and-resume,
 * corruption, lock, plan), which exercise this package through the CLI.
 */
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "../../test/**/*.test.ts"]
  }
})
