/**
 * The CLI's tests, plus the repository's end-to-end tests in `test/` (kill-and-resume, corruption,
 * lock, plan, the dependency rule), which run the `spikernel` command the CLI package builds.
 */
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "../../test/**/*.test.ts"]
  }
})
