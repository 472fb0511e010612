/**
 * The `attune` command line. Each subcommand is a module in ./commands exporting
 * `summary` and `run(argv, io)`; `attune bench train` maps to commands/bench-train.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processIo, type CliIo } from './io';
import { version } from '../main/services/version';
import { UsageError } from './args';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

interface CommandModule {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

function commandFile(name: string): string | undefined {
  if (!/^[a-z][a-z-]*$/.test(name)) return undefined;
  const file = join(commandsDir, `${name}.ts`);
  return existsSync(file) ? file : undefined;
}

/** Lists `name  summary` for every command module. */
async function helpText(): Promise<string> {
  const names = readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  const rows: string[] = [];
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(commandsDir, `${name}.ts`)).href)) as CommandModule;
    rows.push(`  ${name.replace('-', ' ').padEnd(14)} ${mod.summary}`);
  }
  return [
    `attune ${version()}: self-supervised domain adaptation studio`,
    '',
    'Usage: attune <command> [options]   (attune <command> --help for its options)',
    '',
    'Commands:',
    ...rows,
    '',
    'Images and weights never leave this machine: no command sends anything over the network.',
  ].join('\n');
}

/** Runs the CLI with argv (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [first, second, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.out(await helpText());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(version());
    return 0;
  }
  let file = second ? commandFile(`${first}-${second}`) : undefined;
  let args = file ? rest : argv.slice(1);
  if (!file) {
    file = commandFile(first);
    args = argv.slice(1);
  }
  if (!file) {
    io.err(`attune: unknown command "${[first, second].filter(Boolean).join(' ')}". Run "attune --help".`);
    return 2;
  }
  try {
    const mod = (await import(pathToFileURL(file).href)) as CommandModule;
    return await mod.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`attune: ${e.message}`);
      return 2;
    }
    io.err(`attune: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}
