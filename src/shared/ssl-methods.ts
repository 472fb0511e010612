/**
 * The self-supervised methods a pretrain stage can name, with the words the app, the wizard and
 * the CLI show for them. The engine's factory for each is in src/engine/methods/registry.ts
 * (its table is keyed by these names, so a name without a factory does not compile).
 */

/** Method names, as a recipe's `method` writes them. */
export const SSL_METHOD_NAMES = ['byol', 'moco', 'simclr', 'swav'] as const;
export type SslMethodName = (typeof SSL_METHOD_NAMES)[number];

/** What a person reads for each method. */
export const SSL_METHOD_TITLES: Record<SslMethodName, string> = { byol: 'BYOL', moco: 'MoCo v2', simclr: 'SimCLR', swav: 'SwAV' };

/** The title of a method name (the name itself when unknown). */
export function methodTitle(name: string): string {
  return (SSL_METHOD_TITLES as Record<string, string>)[name] ?? name;
}
