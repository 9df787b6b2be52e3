/**
 * Master sessions: one study, one master at a time. A session row is opened by `run` or `resume` and refreshed
 * as a heartbeat; a session left open by a master that died (kill -9, power loss) is closed at the time it was
 * last seen. The sessions' summed duration is the study's wall time, for wall-time budgets across resumes.
 */
import { hostname } from 'node:os';
import type { StudyStore } from '../storage/study-store.js';
import { UserError } from '../util/errors.js';

/** Whether a process with this id exists on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Opens a session for this process, after making sure no other master runs the study.
 * @param staleSeconds a session on another machine not seen for this long counts as dead.
 * @throws UserError when another live master holds the study.
 */
export function claimStudy(store: StudyStore, kind: string, staleSeconds: number): number {
  const here = hostname();
  for (const s of store.openSessions()) {
    if (s.host === here) {
      if (s.pid !== process.pid && processAlive(s.pid)) {
        throw new UserError(`Study ${store.path} is being run by process ${s.pid} on this machine (since ${s.startedAt}); stop it before starting another master.`);
      }
    } else {
      const age = (Date.now() - Date.parse(s.lastSeen)) / 1000;
      if (age < staleSeconds) {
        throw new UserError(`Study ${store.path} is being run on ${s.host} (process ${s.pid}, last seen ${Math.round(age)} s ago); stop it there first.`);
      }
    }
    store.closeDeadSession(s.id, 'its master stopped without closing the study (crash or kill)');
    store.addEvent('session', `session ${s.id} (process ${s.pid} on ${s.host}) ended without closing; last seen ${s.lastSeen}`);
  }
  return store.beginSession(kind);
}

/** Wall time in seconds the study has run in its sessions so far (open sessions count up to their last heartbeat). */
export function studyWallSeconds(store: StudyStore): number {
  let total = 0;
  for (const s of store.sessions()) total += (Date.parse(s.endedAt ?? s.lastSeen) - Date.parse(s.startedAt)) / 1000;
  return total;
}
