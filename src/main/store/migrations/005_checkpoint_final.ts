/**
 * Migration 5: a checkpoint row says whether it ends its stage (`final`), as the engine reports
 * it, so a resume knows where to start without reading file names. Rows written before it
 * are marked from the engine's file name, which ends in `-end.safetensors` for a stage end.
 */
export const sql = `
ALTER TABLE checkpoints ADD COLUMN final INTEGER NOT NULL DEFAULT 0;
UPDATE checkpoints SET final = 1 WHERE path LIKE '%-end.safetensors';
`;
