/** Schemas of the doctor report: which compute backend is active and why the better ones are not. */
import { z } from 'zod';

export const BackendAttempt = z.looseObject({
  name: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
  advice: z.string().optional(),
});

export const DoctorReport = z.looseObject({
  /** the active tfjs backend name, e.g. 'tensorflow' or 'wasm' */
  backend: z.string(),
  attempts: z.array(BackendAttempt),
  threads: z.number().optional(),
  versions: z.record(z.string(), z.string()),
  app: z.object({ version: z.string(), mode: z.enum(['electron', 'serve', 'cli']), platform: z.string() }),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

export const EngineStatus = z.object({
  state: z.enum(['stopped', 'starting', 'ready', 'crashed']),
  pid: z.number().optional(),
  message: z.string().optional(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;
