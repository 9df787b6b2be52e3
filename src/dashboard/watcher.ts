/**
 * Watches a study database for change without reading it whole: every `pollMs` it asks SQLite for a fingerprint
 * (trial counts by state, trials created, optimizer calls, a hash of the newest arrivals) and reloads the study
 * only when that changes. Works beside a running master thanks to WAL (readers never block the writer).
 */
import { EventEmitter } from 'node:events';
import { StudyStore } from '../storage/study-store.js';
import { loadStudyData, type StudyData } from '../report/data.js';

export interface WatchedStudy {
  /** Increases by one on every change seen. */
  version: number;
  data: StudyData;
  /** When the change was seen (ms since the epoch). */
  seenAt: number;
}

/** Emits 'change' (WatchedStudy) whenever the study's fingerprint moves. */
export class StudyWatcher extends EventEmitter {
  private readonly store: StudyStore;
  private timer: NodeJS.Timeout | null = null;
  private fingerprint = '';
  private current: WatchedStudy;

  constructor(path: string, private readonly pollMs = 200) {
    super();
    this.store = StudyStore.open(path);
    this.current = { version: 1, data: loadStudyData(this.store), seenAt: Date.now() };
    this.fingerprint = this.readFingerprint();
  }

  get latest(): WatchedStudy {
    return this.current;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.pollMs);
  }

  /** Checks once; returns true when the study changed. */
  poll(): boolean {
    const fingerprint = this.readFingerprint();
    if (fingerprint === this.fingerprint) return false;
    this.fingerprint = fingerprint;
    this.current = { version: this.current.version + 1, data: loadStudyData(this.store), seenAt: Date.now() };
    this.emit('change', this.current);
    return true;
  }

  private readFingerprint(): string {
    // Counts move on every start, result, loss and requeue; the step number on every optimizer call.
    return JSON.stringify([this.store.countsByState(), this.store.trialCount(), this.store.lastStep()?.step ?? 0, this.store.study().finishedAt]);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.store.close();
  }
}
