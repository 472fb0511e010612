/** Where Attune keeps per-user state (the recent-projects list) outside Electron. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `ATTUNE_HOME`, else the platform's usual per-user config folder. */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATTUNE_HOME) return env.ATTUNE_HOME;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'Attune');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Attune');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Attune');
}
