/**
 * Finding a study from what a user typed: its folder, its study.sqlite file, or the YAML config that created it.
 */
import { extname, join } from 'node:path';
import { resolveStudyPath, STUDY_FILE } from '../storage/database.js';
import { loadStudyConfig } from './config.js';

/**
 * The database path of a study given as a folder, a database file or its config file.
 * @param scale with a config file: the scale (`--scale NAME`) the study was run with, which may change its folder.
 */
export function locateStudy(given: string, scale: string | null = null): string {
  const ext = extname(given).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return resolveStudyPath(join(loadStudyConfig(given, scale).config.storage.dir, STUDY_FILE));
  return resolveStudyPath(given);
}
