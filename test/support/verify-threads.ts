/**
 * Real verify threads (connector/agent-channel/verify-pool.ts) that die on cue: the first `deaths`
 * frames handed to a thread kill it instead of reaching it, as a crash in the middle of checking
 * them would. Every thread started is kept, so a test can see each one exit.
 */
import type { Worker } from "node:worker_threads";
import { spawnVerifyThread } from "../../connector/agent-channel/verify-pool.ts";

export function dyingVerifyThreads(deaths: number): { started: Worker[]; spawn: () => Worker } {
  const started: Worker[] = [];
  let left = deaths;
  return {
    started,
    spawn: () => {
      const worker = spawnVerifyThread();
      started.push(worker);
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (message: unknown) => {
        if (left > 0) {
          left -= 1;
          void worker.terminate();
        } else post(message);
      };
      return worker;
    },
  };
}
