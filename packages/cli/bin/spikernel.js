#!/usr/bin/env node
// Launcher: Spikernel packages ship TypeScript sources (no build step), so the bin registers tsx's
// loader and then imports the CLI's entry module.
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
