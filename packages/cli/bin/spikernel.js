#!/usr/bin/env node
// Launcher: Spikernel packages ship TypeScript sources (no build step), so the bin registers tsx's
// loader, and a resolution hook that lets pipeline files outside the repository import the
// `@spikernel/*` packages by name (spikernel-resolve.mjs), then imports the CLI's entry module.
import { register } from "node:module"
import { register as registerTsx } from "tsx/esm/api"

registerTsx()
register("./spikernel-resolve.mjs", import.meta.url)
await import("../src/main.ts")
