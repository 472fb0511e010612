/** Minimal flag parsing shared by the CLI commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error whose message is shown to the user as is, with exit code 2. */
export class UsageError extends Error {}

/**
 * Parses argv with node's parseArgs; unknown flags and missing values become a UsageError
 * naming the flag, never a stack trace.
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Reads a numeric flag, rejecting non-numbers with the flag's name. */
export function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}
