/** Where a CLI command writes: injectable so tests can capture output. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  isTTY: boolean;
}

/** The process's own stdout/stderr. */
export function processIo(): CliIo {
  return {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** An io that collects lines, for tests. */
export function memoryIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => void stdout.push(s), err: (s) => void stderr.push(s), isTTY: false };
}
