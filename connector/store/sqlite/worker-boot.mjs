// Worker threads do not inherit tsx's loader from the parent process, so a TypeScript worker
// entry is started through this plain module, which registers tsx first when it is needed.
import { workerData } from "node:worker_threads";

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);
