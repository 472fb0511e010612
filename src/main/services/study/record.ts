/**
 * Records a study's arms as runs of a project, so the app's Runs and Compare views show them:
 * one completed run per arm and seed, one run group per arm (Compare's rows are then the arms,
 * mean ± std over seeds), the fine-tune evaluation as the run summary and the linear probe beside
 * it, the wall time of each phase as stages, and the whole report as a JSON artifact.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProjectStore } from '../../store/project-store';
import { dbPath } from '../../store/db';
import { FASHION_MNIST_NAMES } from '../../../shared/schemas/run';
import type { ArmName, ArmSeedResult } from '../../../engine/study/run-study';
import type { StudyBudget } from '../../../engine/study/budget';
import type { StudySummary } from '../../../engine/study/summary';

/** Opens the project in `folder`, creating it (named `name`) when the folder holds none. */
export function openOrCreateProject(folder: string, name: string): ProjectStore {
  const abs = resolve(folder);
  if (existsSync(dbPath(abs))) return ProjectStore.open(abs);
  mkdirSync(abs, { recursive: true });
  return ProjectStore.create(abs, name);
}

/** Writes a study's runs into one project as they finish. */
export class StudyRecorder {
  readonly studyId = randomUUID();
  private readonly groups = new Map<ArmName, string>();
  readonly runIds: string[] = [];

  constructor(private readonly store: ProjectStore, private readonly budget: StudyBudget, private readonly dataDir: string) {}

  /** The project folder. */
  get folder(): string {
    return this.store.folder;
  }

  /**
   * The arm's run group: the newest group of the same arm and budget already in the project that
   * lacks this seed (a study split over processes with --first-seed then forms one group per
   * arm), or a new one.
   */
  private groupFor(arm: ArmName, seed: number): string {
    const known = this.groups.get(arm);
    if (known) return known;
    const runs = this.store.runs.list().filter((run) => {
      const study = (run.config as { study?: { arm?: string; budget?: { name?: string } } } | null)?.study;
      return run.groupId && study?.arm === arm && study.budget?.name === this.budget.name;
    });
    const seedsOf = (g: string) => new Set(runs.filter((run) => run.groupId === g).map((run) => run.seed));
    const joinable = runs.filter((run) => !seedsOf(run.groupId!).has(seed)).sort((x, y) => y.createdAt.localeCompare(x.createdAt))[0];
    const groupId = joinable?.groupId ?? randomUUID();
    this.groups.set(arm, groupId);
    return groupId;
  }

  /** Adds one finished arm × seed as a completed run. */
  record(r: ArmSeedResult): string {
    const groupId = this.groupFor(r.arm, r.seed);
    const id = randomUUID();
    const classNames = FASHION_MNIST_NAMES.slice(5);
    const config = {
      name: `study ${r.arm}`,
      recipe: `study-${r.arm}`,
      seed: r.seed,
      backbone: { arch: 'small-resnet', weights: null, config: { widths: this.budget.widths, blocks: 1, inChannels: 3 } },
      data: {
        labeled: { kind: 'idx', idx: { images: join(this.dataDir, 'train-images-idx3-ubyte.gz'), labels: join(this.dataDir, 'train-labels-idx1-ubyte.gz'), classes: [5, 6, 7, 8, 9] } },
        unlabeled: null,
        source: { kind: 'idx', idx: { images: join(this.dataDir, 'train-images-idx3-ubyte.gz'), labels: join(this.dataDir, 'train-labels-idx1-ubyte.gz'), classes: [0, 1, 2, 3, 4] } },
        test: { kind: 'idx', idx: { images: join(this.dataDir, 't10k-images-idx3-ubyte.gz'), labels: join(this.dataDir, 't10k-labels-idx1-ubyte.gz'), classes: [5, 6, 7, 8, 9] } },
        size: 32, labelBudget: { perClass: this.budget.labelsPerClass }, split: { val: 0, test: 0 }, seed: r.seed, negativeClass: null,
      },
      batchSize: this.budget.sslBatch, accumulate: 1, checkpointEvery: 0, logEvery: 0, stages: [],
      study: { id: this.studyId, arm: r.arm, budget: this.budget, drawId: r.drawId, testId: r.testId, pretrainSteps: r.pretrainSteps, baseSteps: r.baseSteps },
    };
    const stages = [
      { name: 'pretrain', kind: 'pretrain', totalSteps: r.pretrainSteps },
      { name: 'linear-probe', kind: 'evaluate', totalSteps: 1 },
      { name: 'finetune', kind: 'finetune', totalSteps: this.budget.finetuneSteps },
    ];
    this.store.runs.create({ id, groupId, name: `study ${r.arm} (seed ${r.seed})`, recipe: `study-${r.arm}`, config, seed: r.seed }, stages);
    this.store.runs.setStatus(id, 'running');
    stages.forEach((s, i) => {
      this.store.runs.setStageStatus(id, i, 'running');
      this.store.runs.setStageProgress(id, i, s.totalSteps);
      this.store.runs.setStageStatus(id, i, 'completed');
    });
    const ft = r.finetune;
    this.store.runs.setSummary(id, {
      plain: { loss: ft.logLoss ?? 0, auc: ft.auc ?? 0, f1: ft.macroF1, accuracy: ft.accuracy },
      tta: null,
      classNames,
      confusion: ft.confusion,
      confusionTta: null,
      testSize: r.testSize,
      aucKind: 'one-vs-rest-macro',
      linearProbe: { accuracy: r.linearProbe.accuracy, macroF1: r.linearProbe.macroF1, loss: r.linearProbe.logLoss ?? null, auc: r.linearProbe.auc ?? null, confusion: r.linearProbe.confusion },
      study: { arm: r.arm, seconds: r.seconds, phases: r.phases },
    });
    this.store.runs.setStatus(id, 'completed');
    this.runIds.push(id);
    return id;
  }

  /** Writes the report (JSON and markdown) into the project's `studies/` folder; returns the paths. */
  writeReport(summary: StudySummary, markdown: string): { json: string; markdown: string } {
    const dir = join(this.store.folder, 'studies');
    mkdirSync(dir, { recursive: true });
    const stem = join(dir, `fashion-mnist-${this.budget.name}-${this.studyId.slice(0, 8)}`);
    writeFileSync(`${stem}.json`, JSON.stringify(summary, null, 1));
    writeFileSync(`${stem}.md`, markdown);
    for (const id of this.runIds) this.store.artifacts.put(id, 'study-report', `${stem}.json`, { studyId: this.studyId });
    return { json: `${stem}.json`, markdown: `${stem}.md` };
  }

  /** Closes the project database. */
  close(): void {
    this.store.close();
  }
}
