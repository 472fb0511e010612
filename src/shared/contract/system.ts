/** Contract: the doctor report and the engine's state. */
import { z } from 'zod';
import { DoctorReport, EngineStatus } from '../schemas/system';

const Empty = z.object({}).strict();

export const systemRequests = {
  'system.doctor': { input: Empty, output: DoctorReport },
  'system.engineStatus': { input: Empty, output: EngineStatus },
} as const;

export const systemEvents = {
  'engine.status': EngineStatus,
} as const;
