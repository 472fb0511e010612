/**
 * Migration 2: a split belongs to a run, and its items are the run's image keys (a path relative
 * to the dataset root, or `name#index` for IDX files), so a split can be recorded for sets that
 * were never scanned into `images`. The version-1 split tables were never written, so they are
 * dropped and rebuilt.
 */
export const sql = `
DROP TABLE split_items;
DROP TABLE splits;

CREATE TABLE splits (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE REFERENCES runs(id) ON DELETE CASCADE,
  seed INTEGER NOT NULL,
  spec_json TEXT NOT NULL,
  class_names_json TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE split_items (
  split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,
  part TEXT NOT NULL CHECK (part IN ('train', 'val', 'test')),
  key TEXT NOT NULL,
  pos INTEGER NOT NULL,
  PRIMARY KEY (split_id, part, key)
) STRICT, WITHOUT ROWID;
`;
