/** The CLI's config file (config.ts), checked when read: it holds URLs, tokens and CA paths. */
import { z } from "zod";

export const ContextSchema = z.strictObject({
  url: z.string().url().max(2048),
  token: z.string().min(1).max(512),
  ca: z.string().max(4096).optional(),
});

export const ConfigSchema = z.strictObject({
  current: z.string().max(128).nullable().default(null),
  contexts: z.record(z.string().max(128), ContextSchema).default({}),
});

export type Context = z.infer<typeof ContextSchema>;
export type Config = z.infer<typeof ConfigSchema>;
