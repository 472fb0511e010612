/**
 * Executes a run as one long engine job: prepare → (pretrain | adapt)* → finetune → evaluate,
 * emitting stage, progress, metric, checkpoint and log events. With `resumeFrom` it continues
 * from a checkpoint: after a stage-end checkpoint the next stage starts; after a mid-stage
 * checkpoint that stage continues at the saved step with identical batches and schedule.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobContext } from '../jobs';
import { buildClassifier, type Classifier } from '../finetune/classifier';
import { disposeParams } from '../models/registry';
import { writeCheckpoint } from '../models/checkpoint';
import type { HeadSpec } from '../models/types';
import { restoreInto } from '../train/tensor-state';
import { readRunCheckpoint, type RunCheckpoint } from './checkpoint';
import { emitter, type StageContext } from './context';
import { closePrepared, prepareData, type PreparedData } from './data';
import { createRunBackbone } from './model';
import { runPretrain } from './pretrain';
import { runAdapt } from './adapt';
import { runFinetune } from './finetune';
import { runEvaluate } from './evaluate';
import { probeStageIdx, readProbe, runProbe } from './probe';
import type { ExecuteParams, ExecuteResult } from '../../shared/engine-jobs';
import type { RunResultSummary } from '../../shared/schemas/run';

/** Where a resumed run starts: the stage index and, for a mid-stage checkpoint, that checkpoint. */
export function resumePoint(ck: RunCheckpoint | null): { startIdx: number; mid: RunCheckpoint | null } {
  if (!ck) return { startIdx: 0, mid: null };
  return ck.meta.final ? { startIdx: ck.meta.stageIdx + 1, mid: null } : { startIdx: ck.meta.stageIdx, mid: ck };
}

/** Runs the job; resolves 'paused' when the signal stopped it at a checkpoint. */
export async function executeRun(p: ExecuteParams, job: JobContext<'run.execute'>): Promise<ExecuteResult> {
  const emit = emitter(job);
  const cfg = p.config;
  const log = (message: string) => emit('log', { level: 'info', message });
  mkdirSync(p.runDir, { recursive: true });
  const ck = p.resumeFrom ? readRunCheckpoint(p.resumeFrom, p.resumeSha256 ?? null) : null;
  if (ck && ck.meta.runId !== p.runId) throw new Error(`checkpoint ${p.resumeFrom} belongs to run ${ck.meta.runId}, not ${p.runId}`);
  const { startIdx, mid } = resumePoint(ck);
  if (ck) log(`resuming at stage ${startIdx} (${cfg.stages[startIdx]?.name ?? 'end'}) from ${p.resumeFrom}, step ${ck.meta.step}`);
  const backbone = createRunBackbone(cfg, log);
  let classifier: Classifier | null = null;
  let data: PreparedData | undefined;
  let summary: RunResultSummary | null = null;
  // the backbone a pretraining stage built (supervised or self-supervised), for another recipe's backbone.weights
  const saveBackbone = async (stageName: string) => {
    const path = join(p.runDir, `${stageName}.safetensors`);
    await writeCheckpoint(path, backbone, { normalization: { mean: [...data!.mean], std: [...data!.std] }, provenance: { runId: p.runId, recipe: cfg.recipe, stage: stageName } });
    emit('artifact', { kind: 'backbone', path, meta: { arch: cfg.backbone.arch, stage: stageName } });
    log(`${stageName}: backbone saved to ${path} (usable as backbone.weights of another recipe)`);
  };
  try {
    if (ck) restoreInto(backbone.params, ck.groups.backbone ?? {}, `checkpoint ${p.resumeFrom} (backbone)`);
    // the prepare stage's steps are the images it decodes (1 when everything is cached)
    let prepareSteps = 1;
    let lastReport = 0;
    const onDecoded = (done: number, total: number) => {
      if (total !== prepareSteps) emit('stage', { stageIdx: 0, status: 'running', totalSteps: (prepareSteps = total) });
      const now = Date.now();
      if (now - lastReport < 250 && done < total) return;
      lastReport = now;
      emit('progress', { stageIdx: 0, step: done, totalSteps: total });
    };
    if (startIdx === 0) emit('stage', { stageIdx: 0, status: 'running', totalSteps: 1 });
    data = await prepareData(cfg, p.cacheRoot, p.runDir, log, startIdx === 0 ? onDecoded : undefined);
    if (startIdx === 0) {
      log(`data: ${data.train.length} labeled train, ${data.val.length} val, ${data.test.length} test images; ${data.classNames.length} classes`);
      emit('artifact', { kind: 'split', path: join(p.runDir, 'split.json') });
      emit('progress', { stageIdx: 0, step: prepareSteps, totalSteps: prepareSteps });
      emit('stage', { stageIdx: 0, status: 'completed', totalSteps: prepareSteps });
    }
    if (ck?.groups.head && ck.meta.final) {
      const s = ck.meta.state as { headSpec: HeadSpec; headPrefix: string };
      classifier = buildClassifier(backbone, data.classNames.length, { spec: s.headSpec, prefix: s.headPrefix, init: 'zero', seed: 0 });
      restoreInto(classifier.head, ck.groups.head, `checkpoint ${p.resumeFrom} (head)`);
    }
    for (let i = Math.max(1, startIdx); i < cfg.stages.length; i++) {
      const stage = cfg.stages[i];
      if (job.signal.aborted) return { status: 'paused', summary: null };
      emit('stage', { stageIdx: i, status: 'running', totalSteps: stage.totalSteps });
      const ctx: StageContext = { runId: p.runId, runDir: p.runDir, config: cfg, stageIdx: i, data, backbone, signal: job.signal, resume: i === startIdx ? mid : null, emit };
      if (stage.kind === 'pretrain') {
        if ((await runPretrain(ctx, stage)) === 'paused') return { status: 'paused', summary: null };
        await saveBackbone(stage.name);
      } else if (stage.kind === 'adapt') {
        await runAdapt(ctx, stage);
      } else if (stage.kind === 'finetune' && stage.pool === 'source') {
        // supervised pretraining: the backbone keeps what it learned, the source's head is dropped
        const r = await runFinetune(ctx, stage);
        disposeParams(r.classifier.head);
        if (r.status === 'paused') return { status: 'paused', summary: null };
        await saveBackbone(stage.name);
      } else if (stage.kind === 'finetune') {
        if (classifier) disposeParams(classifier.head);
        if (i === probeStageIdx(cfg.stages) && !ctx.resume) await runProbe(ctx);
        const r = await runFinetune(ctx, stage);
        classifier = r.classifier;
        if (r.status === 'paused') return { status: 'paused', summary: null };
        const modelPath = join(p.runDir, 'model.safetensors');
        await writeCheckpoint(modelPath, backbone, {
          head: { prefix: classifier.headPrefix, spec: classifier.headSpec, params: classifier.head },
          normalization: { mean: [...data.mean], std: [...data.std] }, classNames: data.classNames, provenance: { runId: p.runId, recipe: cfg.recipe },
        });
        emit('artifact', { kind: 'model', path: modelPath, meta: { arch: cfg.backbone.arch } });
      } else if (stage.kind === 'evaluate') {
        if (!classifier) throw new Error(`stage "${stage.name}" needs a fine-tuned classifier, but the recipe has no finetune stage before it`);
        summary = { ...(await runEvaluate(ctx, stage, classifier)), ...(stage.linearProbe ? { linearProbe: readProbe(p.runDir) } : {}) };
      }
      emit('stage', { stageIdx: i, status: 'completed', totalSteps: stage.totalSteps });
    }
    return { status: 'completed', summary };
  } finally {
    if (data) closePrepared(data);
    if (classifier) disposeParams(classifier.head);
    disposeParams(backbone.params);
  }
}
