/** Errors that cross process and network boundaries as plain `{code, message}` data. */

export type ErrorCode =
  | 'validation' // a payload did not match its schema
  | 'unknown_method'
  | 'not_a_project'
  | 'schema_too_new'
  | 'corrupt_database'
  | 'not_found'
  | 'already_exists'
  | 'engine_crashed'
  | 'engine_error'
  | 'cancelled'
  | 'unauthorized'
  | 'internal';

/** The wire form of an error. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
}

/** An error the app raises on purpose: its message is written for the user. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Turns anything thrown into wire data; unexpected errors become `internal`. */
export function toErrorData(e: unknown): ErrorData {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && typeof (e as ErrorData).message === 'string') {
    const code = (e as { code: unknown }).code;
    if (typeof code === 'string' && KNOWN.has(code as ErrorCode)) return { code: code as ErrorCode, message: (e as ErrorData).message };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/** Rebuilds a throwable error from wire data. */
export function fromErrorData(d: ErrorData): AppError {
  return new AppError(d.code, d.message);
}

const KNOWN = new Set<ErrorCode>([
  'validation', 'unknown_method', 'not_a_project', 'schema_too_new', 'corrupt_database', 'not_found',
  'already_exists', 'engine_crashed', 'engine_error', 'cancelled', 'unauthorized', 'internal',
]);
