import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { objectiveKey, parseObjectiveArgument, registeredObjectives, registerObjective, resolveObjective } from '../../src/study/registry.js';
import { SearchSpace } from '../../src/space/space.js';
import { UserError } from '../../src/util/errors.js';

const fixtures = resolve('test/execute/fixtures');

test('the benchmark problems and the diagnostic objectives are registered by name', async () => {
  const names = registeredObjectives().map((f) => f.name);
  for (const n of ['ackley10c', 'ackley20', 'gramacy', 'hartmann6c', 'noop', 'busy']) assert.ok(names.includes(n), n);
  const gramacy = await resolveObjective({ kind: 'registered', name: 'gramacy' });
  assert.equal(gramacy.constraintCount, 2);
  const busy = await resolveObjective({ kind: 'registered', name: 'busy', options: { repeat: 10 } });
  const r = (await busy.evaluate({ x0: 0.2, x1: 0.15, x2: 0.48, x3: 0.28, x4: 0.31, x5: 0.66 })) as { objective: number; constraints: number[] };
  assert.ok(Math.abs(r.objective - -3.32) < 0.01, `Hartmann-6 near its optimum, got ${r.objective}`);
  await assert.rejects(async () => resolveObjective({ kind: 'registered', name: 'noop', options: { x: 1 } }), /Objective noop: options: Unrecognized key/);
});

test('a command-line objective is a registered name or a module path; anything else is one sentence', () => {
  assert.deepEqual(parseObjectiveArgument('noop'), { kind: 'registered', name: 'noop' });
  assert.deepEqual(parseObjectiveArgument('sleepy.mjs', fixtures), { kind: 'module', path: join(fixtures, 'sleepy.mjs') });
  assert.throws(() => parseObjectiveArgument('nope'), (e: Error) => e instanceof UserError && /Unknown objective 'nope'/.test(e.message));
  assert.throws(() => parseObjectiveArgument('./nope.mjs'), /Objective module \.\/nope\.mjs does not exist/);
  assert.throws(() => parseObjectiveArgument('sleepy.mjs', fixtures, { a: 1 }), /takes no options/);
});

test('objective keys: registered name, a module\'s exported name or its file name, options hashed in order-free', async () => {
  const sleepy = { kind: 'module' as const, path: join(fixtures, 'sleepy.mjs') };
  assert.equal(objectiveKey(sleepy, await resolveObjective(sleepy)), 'sleepy');
  const unnamed = { kind: 'module' as const, path: resolve('examples/objectives/quadratic.mjs') };
  assert.equal(objectiveKey(unnamed, await resolveObjective(unnamed)), 'quadratic');
  const noop = await resolveObjective({ kind: 'registered', name: 'noop' });
  assert.equal(objectiveKey({ kind: 'registered', name: 'noop' }, noop), 'noop');
  assert.equal(objectiveKey({ kind: 'registered', name: 'noop', options: {} }, noop), 'noop');
  const a = objectiveKey({ kind: 'registered', name: 'busy', options: { repeat: 5, extra: { b: 1, a: 2 } } }, noop);
  const b = objectiveKey({ kind: 'registered', name: 'busy', options: { extra: { a: 2, b: 1 }, repeat: 5 } }, noop);
  const c = objectiveKey({ kind: 'registered', name: 'busy', options: { repeat: 6 } }, noop);
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^busy-[0-9a-f]{10}$/);
});

test('later issues register their objectives by name', async () => {
  registerObjective({
    name: 'test-registered',
    description: 'registered by a test',
    create: () => ({ name: 'test-registered', space: SearchSpace.from([{ name: 'a', type: 'int', low: 1, high: 3 }]), direction: 'maximize', evaluate: (p) => Number(p.a) }),
  });
  assert.equal((await resolveObjective(parseObjectiveArgument('test-registered'))).direction, 'maximize');
  assert.throws(() => registerObjective({ name: 'bad name', description: '', create: () => assert.fail() }), /must match/);
});
