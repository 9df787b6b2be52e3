import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveProgress } from '../../src/study/live-progress.js';
import type { DispatchSnapshot } from '../../src/execute/dispatcher.js';
import type { TrialRow } from '../../src/storage/types.js';

const snapshot = (over: Partial<DispatchSnapshot> = {}): DispatchSnapshot => ({
  created: 10, finished: 0, queued: 1, running: 2, steps: 1, best: null, stepping: false, ...over,
});

test('the status block shows counts, best with parameters, trust region, elapsed and remaining time', () => {
  const out: string[] = [];
  const live = new LiveProgress({ budget: 10, wallSeconds: null, startedAt: 0, columns: 200, write: (t) => out.push(t) });
  const best = { id: 3, objective: 0.25, params: { lr: 0.001, decoder: 'vote' }, state: 'complete' } as unknown as TrialRow;
  live.update(
    { type: 'step', step: 1, told: 0, proposals: [{ id: 1, u: new Float64Array(1), params: {}, info: { phase: 'scbo', batchId: 1, trustRegionLength: 0.4, restartCount: 1 } }], seconds: 0.1, state: null },
    snapshot(),
  );
  live.update({ type: 'result', trial: best }, snapshot({ best }));
  live.update({ type: 'result', trial: { ...best, id: 4, state: 'stopped-early' } as TrialRow }, snapshot({ best }));
  live.update({ type: 'result', trial: { ...best, id: 5, state: 'failed' } as TrialRow }, snapshot({ best }));
  live.update({ type: 'result', trial: { ...best, id: 6 } as TrialRow }, snapshot({ best }));
  const [counts, bestLine, time] = live.lines(20_000);
  assert.match(counts, /^4\/10 done \| running 2, queued 1 \| stopped early 1, failed 1 \| trust region 0\.4, 1 restart$/);
  assert.match(bestLine, /best 0\.25 \(trial 3\): lr=0\.001, decoder=vote/);
  // 4 done in 20 s, 6 to go: about 30 s left.
  assert.match(time, /elapsed 20(\.0)? ?s \| remaining ~30(\.0)? ?s/);

  live.print(['a log line'], 20_000);
  live.print([], 21_000);
  assert.ok(out[0].startsWith('a log line\n'), 'log lines go above the block');
  assert.ok(out[1].startsWith('\x1b[3A'), 'the second draw moves up over the 3-line block');
});

test('a wall-time budget caps the estimate, and long lines are cut to the terminal width', () => {
  const out: string[] = [];
  const live = new LiveProgress({ budget: null, wallSeconds: 60, startedAt: 0, columns: 30, write: (t) => out.push(t) });
  const best = { id: 1, objective: 1, params: { a_very_long_parameter_name: 123456.789 }, state: 'complete' } as unknown as TrialRow;
  live.update({ type: 'result', trial: best }, snapshot({ best }));
  assert.match(live.lines(45_000)[2], /remaining ~15(\.0)? ?s/);
  live.print([], 45_000);
  for (const line of out[0].replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n')) assert.ok(line.length <= 29, line);
});
