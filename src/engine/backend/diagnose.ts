/** Turns a failed backend load into a reason a person can read and what they can do about it. */

/** A reason and the advice that goes with it. */
export interface Diagnosis {
  reason: string;
  advice: string;
}

function firstLine(s: string, prefer?: RegExp): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return (prefer && lines.find((l) => prefer.test(l))) ?? lines[0] ?? s;
}

/** Explains why `pkg` (tfjs-node or tfjs-node-gpu) could not be loaded. */
export function diagnoseLoadError(pkg: string, err: unknown): Diagnosis {
  const e = err as { code?: string; message?: string };
  const message = String(e?.message ?? err);
  const gpu = pkg.endsWith('-gpu');
  const cuda = message.match(/(lib(?:cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse)\.so[.\d]*|(?:cudart|cudnn|cublas)64_\d+\.dll)/);
  if (cuda) {
    return {
      reason: `CUDA library missing: ${cuda[1]} (${firstLine(message, /cuda|cudnn|cublas/i)})`,
      advice:
        'install CUDA 11.2 and cuDNN 8.1 (tfjs-node-gpu 4.22 does not work with CUDA 12) and put their lib folder on ' +
        (process.platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH'),
    };
  }
  const bindingLine = /libtensorflow|tfjs_binding\.node|napi-v\d/i;
  if (bindingLine.test(message)) {
    return {
      reason: `${pkg}'s native binding failed to load: ${firstLine(message, /libtensorflow/i)}`,
      advice: `re-run its install step with network access: \`npm rebuild ${pkg}\` (it downloads libtensorflow into node_modules/${pkg}/lib)`,
    };
  }
  const missingPackage = new RegExp(`Cannot find (?:package|module) '${pkg.replace('/', '\\/')}(?:/[^']*)?'`);
  if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && missingPackage.test(message)) {
    return {
      reason: `${pkg} is not installed`,
      advice: `install it with \`npm install ${pkg}\` (its install step downloads libtensorflow${gpu ? ' for CUDA 11.2 / cuDNN 8.1' : ''}, so it needs network access)`,
    };
  }
  return { reason: `${pkg} failed to load: ${firstLine(message)}`, advice: `reinstall ${pkg} or choose another backend with ATTUNE_BACKEND` };
}
