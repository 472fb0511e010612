/** Handlers of the system part of the contract. */
import type { DomainHandlers } from '../../shared/api';
import type { systemRequests } from '../../shared/contract/system';
import { doctorReport } from '../services/doctor';
import type { AppContext } from './context';

/** Doctor report and engine status. */
export function systemHandlers(ctx: AppContext): DomainHandlers<typeof systemRequests> {
  return {
    'system.doctor': async () => doctorReport(await ctx.engine.request('doctor'), ctx.mode),
    'system.engineStatus': async () => ctx.engine.status,
  };
}
