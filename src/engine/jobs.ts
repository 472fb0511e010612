/**
 * The engine's job table: each method the host may request, as an async function of its
 * params and a context to emit events and observe cancellation. Capabilities register here.
 */
import { AppError } from '../shared/errors';

/** What a running job can do besides returning its result. */
export interface JobContext {
  /** Sends an event (progress, metrics, ...) to the host, tagged with this job. */
  emit(name: string, payload: unknown): void;
  /** Aborted when the host cancels the job. */
  signal: AbortSignal;
}

export type Job = (params: unknown, ctx: JobContext) => Promise<unknown>;

const jobs = new Map<string, Job>();

/** Registers a job under a method name (one per name). */
export function registerJob(method: string, job: Job): void {
  if (jobs.has(method)) throw new Error(`engine job registered twice: ${method}`);
  jobs.set(method, job);
}

/** Looks up a job; unknown methods are an AppError. */
export function getJob(method: string): Job {
  const job = jobs.get(method);
  if (!job) throw new AppError('unknown_method', `the engine has no job "${method}"`);
  return job;
}
