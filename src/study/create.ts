/**
 * Creating a study: resolve the objective named by the config, settle everything that must stay fixed for the
 * study's life (space, direction, initial design size, constraint count) and write the study database.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SearchSpace } from '../space/space.js';
import { STUDY_FILE } from '../storage/database.js';
import { StudyStore } from '../storage/study-store.js';
import { UserError } from '../util/errors.js';
import type { StudyConfig } from './config.js';
import type { Objective } from './objective.js';
import { resolveObjective } from './registry.js';
import { spikeoptVersion } from './version.js';

/** The study's database path for a config. */
export function studyDatabasePath(config: StudyConfig): string {
  return join(config.storage.dir, STUDY_FILE);
}

/**
 * The space a study optimises: the config's, when it gives one (it must name exactly the objective's
 * parameters), else the objective's own.
 */
export function studySpace(config: StudyConfig, objective: Objective, source: string): SearchSpace {
  if (config.space === null) return objective.space;
  const space = SearchSpace.from(config.space, `${source} (space)`);
  const missing = objective.space.names.filter((n) => !space.names.includes(n));
  const extra = space.names.filter((n) => !objective.space.names.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `lacks ${missing.map((n) => `'${n}'`).join(', ')}` : '',
      extra.length > 0 ? `has ${extra.map((n) => `'${n}'`).join(', ')} that the objective does not take` : '',
    ].filter(Boolean);
    throw new UserError(`Study config ${source}: space ${parts.join(' and ')}.`);
  }
  return space;
}

/**
 * Writes a new study database for a config.
 * @throws UserError when a study already exists at the config's storage path (it is never overwritten).
 */
export async function createStudy(config: StudyConfig, configSource: string | null, source: string): Promise<StudyStore> {
  const path = studyDatabasePath(config);
  if (existsSync(path)) {
    throw new UserError(`A study already exists at ${config.storage.dir}; continue it with spikeopt resume ${config.storage.dir}, or set storage.path to a new folder.`);
  }
  const objective = await resolveObjective(config.objective);
  const space = studySpace(config, objective, source);
  const fixed: StudyConfig = {
    ...config,
    ...(objective.notes && objective.notes.length > 0 ? { notes: [...objective.notes] } : {}),
    optimizer: {
      ...config.optimizer,
      initialSize: config.optimizer.initialSize ?? Math.max(2 * space.dimension, config.optimizer.batchSize),
      constraintCount: objective.constraintCount ?? null,
    },
  };
  const store = StudyStore.create(
    path,
    {
      id: `${config.name}-${randomBytes(4).toString('hex')}`,
      name: config.name,
      config: fixed,
      configSource,
      space: space.toJSON(),
      direction: objective.direction,
      objective: config.objective,
      seed: config.seed,
      constraintCount: objective.constraintCount ?? null,
      spikeoptVersion: spikeoptVersion(),
    },
    config.storage.synchronous,
  );
  for (const note of fixed.notes ?? []) store.addEvent('objective', note);
  return store;
}
