/** Migration 1: the first project schema. */
export const sql = `
CREATE TABLE project (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('labeled-folder', 'csv', 'unlabeled', 'source', 'test-folder', 'idx')),
  root TEXT NOT NULL,
  created_at TEXT NOT NULL,
  scanned_at TEXT,
  stats_json TEXT,
  UNIQUE (kind, root)
) STRICT;

CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('labeled', 'unlabeled', 'source', 'test')),
  label TEXT,
  split TEXT CHECK (split IN ('train', 'val', 'test')),
  byte_size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  sha256 TEXT,
  width INTEGER,
  height INTEGER,
  channels INTEGER,
  format TEXT,
  bit_depth INTEGER,
  has_alpha INTEGER,
  color_space TEXT,
  error TEXT,
  UNIQUE (dataset_id, rel_path)
) STRICT;
CREATE INDEX images_sha256 ON images(sha256);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  group_id TEXT,
  name TEXT NOT NULL,
  recipe TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted')),
  config_json TEXT NOT NULL,
  seed INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  error TEXT,
  summary_json TEXT
) STRICT;
CREATE INDEX runs_group ON runs(group_id);

CREATE TABLE stages (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped', 'interrupted')),
  total_steps INTEGER NOT NULL DEFAULT 0,
  done_steps INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  PRIMARY KEY (run_id, idx)
) STRICT;

CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  stage_idx INTEGER NOT NULL,
  name TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  wall_ms REAL NOT NULL,
  PRIMARY KEY (run_id, stage_idx, name, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  stage_idx INTEGER NOT NULL,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT,
  byte_size INTEGER,
  created_at TEXT NOT NULL,
  UNIQUE (run_id, stage_idx, step)
) STRICT;

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  run_id TEXT REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  meta_json TEXT,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE splits (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  seed INTEGER NOT NULL,
  spec_json TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE split_items (
  split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  part TEXT NOT NULL CHECK (part IN ('train', 'val', 'test', 'unused')),
  PRIMARY KEY (split_id, image_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE predictions (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tta INTEGER NOT NULL,
  label TEXT,
  predicted TEXT NOT NULL,
  probability REAL NOT NULL,
  loss REAL,
  PRIMARY KEY (run_id, image_id, tta)
) STRICT, WITHOUT ROWID;
`;
