/**
 * commander parsers for whole-number flags, so every CLI (agent, connector, admin, bench) refuses
 * `--port 7e3x` or `--log-max-bytes -1` with the same kind of message.
 *
 *   .option("--port <n>", "port to listen on", integerOption({ min: 0, max: 65535, what: "a port number" }))
 */
import { InvalidArgumentError } from "commander";

export interface IntegerRange {
  min?: number;
  max?: number;
  /** What the number is, for the message: "a port number", "milliseconds". */
  what?: string;
}

export function integerOption({ min = 0, max = Number.MAX_SAFE_INTEGER, what = "a whole number" }: IntegerRange): (value: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min}–${max}`;
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be ${what}, ${range}`);
    return n;
  };
}
