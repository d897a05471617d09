// The file a compute thread is started on (`ThreadPool.ts`): a thread does not inherit the loader
// hooks of the process that starts it, so it registers tsx itself, then loads its TypeScript entry.
import { register } from "tsx/esm/api"

register()
await import("./ScoreThread.ts")
