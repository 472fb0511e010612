/**
 * Where a study's report goes: the study's folder in its project (beside the arm recipes it ran),
 * as JSON and markdown. The runs themselves are ordinary runs of the project (one group per arm,
 * its seeds the group's runs), stored by the run service like any other.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudySummary } from './summary';

/** Writes the report into `folder` (studyFolder); returns the paths. */
export function writeStudyReport(folder: string, summary: StudySummary, markdown: string): { json: string; markdown: string } {
  const stem = join(folder, `fashion-mnist-${summary.budget}`);
  writeFileSync(`${stem}.json`, JSON.stringify(summary, null, 1));
  writeFileSync(`${stem}.md`, markdown);
  return { json: `${stem}.json`, markdown: `${stem}.md` };
}
