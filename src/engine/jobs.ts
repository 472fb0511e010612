/**
 * The engine's job table: each method the host may request, as an async function of its
 * params and a context to emit events and observe cancellation. Capabilities register here.
 */
import { AppError } from '../shared/errors';
import type { EngineJobName, EngineJobs, JobParams, JobResult } from '../shared/engine-jobs';

/** What a running job can do besides returning its result. */
export interface JobContext<K extends EngineJobName = EngineJobName> {
  /** Sends an event (progress, metrics, ...) to the host, tagged with this job. */
  emit<E extends keyof EngineJobs[K]['events'] & string>(name: E, payload: EngineJobs[K]['events'][E]): void;
  /** Aborted when the host cancels the job. */
  signal: AbortSignal;
}

/** A job as the worker calls it (params checked by the job itself where they come from outside). */
export type Job = (params: unknown, ctx: { emit(name: string, payload: unknown): void; signal: AbortSignal }) => Promise<unknown>;

const jobs = new Map<string, Job>();

/** Registers a job under a method name of the job table (src/shared/engine-jobs.ts), one per name. */
export function registerJob<K extends EngineJobName>(method: K, job: (params: JobParams<K>, ctx: JobContext<K>) => Promise<JobResult<K>>): void {
  if (jobs.has(method)) throw new Error(`engine job registered twice: ${method}`);
  jobs.set(method, job as Job);
}

/** Looks up a job; unknown methods are an AppError. */
export function getJob(method: string): Job {
  const job = jobs.get(method);
  if (!job) throw new AppError('unknown_method', `the engine has no job "${method}"`);
  return job;
}
