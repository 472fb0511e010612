// CPU cost of one JPEG decode (+ resize to 64 px) in sharp, per pipeline variant, beside PIL's
// on the same files: npx tsx bench/data/decode-cpu.ts [COUNT]
// Prints CPU milliseconds per image (process user + system time), which unlike img/s does not
// depend on how busy the machine is.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeBenchJpegs } from '../../src/engine/data/throughput';

const count = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'attune-decode-cpu-'));
try {
  const paths = await writeBenchJpegs(dir, count);
  const bufs = paths.map((p) => readFileSync(p));
  const variants: Record<string, (b: Buffer) => Promise<unknown>> = {
    'full decode, no resize': (b) => sharp(b).raw().toBuffer(),
    'resize 64 (shrink-on-load)': (b) => sharp(b).resize(64, 64, { kernel: 'linear' }).raw().toBuffer(),
    'resize 64, fastShrinkOnLoad off': (b) => sharp(b).resize(64, 64, { kernel: 'linear', fastShrinkOnLoad: false }).raw().toBuffer(),
    "Attune's pipeline (rotate, flatten, srgb)": (b) => sharp(b, { failOn: 'truncated' }).rotate().flatten({ background: '#ffffff' })
      .resize(64, 64, { kernel: 'linear' }).toColourspace('srgb').removeAlpha().raw().toBuffer(),
  };
  const measure = async (name: string, f: (b: Buffer) => Promise<unknown>) => {
    const c0 = process.cpuUsage();
    for (const b of bufs) await f(b);
    const c = process.cpuUsage(c0);
    console.log(`sharp ${name}: ${((c.user + c.system) / 1000 / count).toFixed(2)} ms CPU per image`);
  };
  for (const [name, f] of Object.entries(variants)) await measure(name, f);
  // as the decoder processes run it (decode-worker.ts): libvips' operation cache off
  sharp.cache(false);
  await measure("Attune's pipeline, operation cache off", variants["Attune's pipeline (rotate, flatten, srgb)"]);
  const pil = `import glob,io,time,sys
from PIL import Image, ImageOps
data=[open(f,'rb').read() for f in sorted(glob.glob(sys.argv[1]+'/*.jpg'))]
for draft in (False, True):
    t=time.process_time()
    for d in data:
        im=Image.open(io.BytesIO(d))
        if draft: im.draft('RGB',(64,64))
        ImageOps.fit(im.convert('RGB'),(64,64),Image.BILINEAR).tobytes()
    print('PIL', 'draft mode' if draft else 'full decode (the peer)', '%.2f ms CPU per image' % ((time.process_time()-t)/len(data)*1000))`;
  process.stdout.write(execFileSync('/usr/bin/python3', ['-c', pil, dir], { encoding: 'utf8' }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
