#!/usr/bin/env node
// Entry of the `attune` command: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const cli = await import(fileURLToPath(new URL('../src/cli/attune.ts', import.meta.url)));
process.exitCode = await cli.main(process.argv.slice(2));
