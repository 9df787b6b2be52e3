/**
 * What travels through the broker, and its validation. Everything read from Redis is untrusted: workers validate
 * trial jobs, the master validates workers' messages and heartbeats, each against these schemas. A job carries
 * data only (ids, a seed, parameter values), never code or a module path: workers run the objective named on
 * their own command line.
 *
 * Queues (BullMQ, under a key prefix, default "spikeopt"):
 * - `trials-KEY`: trial jobs for the objective with key KEY (see registry.objectiveKey), shared by all studies on
 *   it; job id `STUDY-tTRIAL-aATTEMPT`, so that publishing an attempt twice is harmless.
 * - `results-STUDY`: messages from workers to one study's master ("started", "finished"); they wait there while
 *   the master is down and are collected when it resumes.
 * Heartbeats: key `PREFIX:worker:ID` holds a worker's last heartbeat (JSON) and expires when it stops beating.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1 as const;

const NAME = /^[A-Za-z0-9_.-]{1,120}$/;
const name = z.string().regex(NAME);
const iso = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
const id = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const trialJobSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    studyId: name,
    trialId: id,
    attempt: z.number().int().min(1).max(1000),
    seed: z.number().int().min(0).max(2 ** 32),
    objective: name,
    params: z
      .record(z.string().min(1).max(200), z.union([z.number().finite(), z.string().max(10_000), z.boolean()]))
      .refine((p) => Object.keys(p).length <= 1000, 'too many parameters'),
    timeoutSeconds: z.number().positive().max(1e9).nullable(),
  })
  .strict();
export type TrialJob = z.infer<typeof trialJobSchema>;

const outcomeSchema = z
  .object({
    status: z.enum(['complete', 'failed']),
    objective: z.number().finite().nullable(),
    constraints: z.array(z.number().finite()).max(10_000).nullable(),
    feasible: z.boolean(),
    metrics: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().max(100_000).nullable(),
    seconds: z.number().min(0),
  })
  .strict();

const workerIdentity = {
  v: z.literal(PROTOCOL_VERSION),
  studyId: name,
  trialId: id,
  attempt: z.number().int().min(1).max(1000),
  workerId: z.string().min(1).max(200),
  host: z.string().max(255),
  pid: z.number().int().min(0).nullable(),
};

export const startedMessageSchema = z.object({ kind: z.literal('started'), ...workerIdentity, at: iso }).strict();
export const finishedMessageSchema = z
  .object({
    kind: z.literal('finished'),
    ...workerIdentity,
    startedAt: iso,
    finishedAt: iso,
    /** The worker stopped the evaluation at the trial's time limit. */
    timedOut: z.boolean(),
    outcome: outcomeSchema,
  })
  .strict();
export const workerMessageSchema = z.discriminatedUnion('kind', [startedMessageSchema, finishedMessageSchema]);
export type StartedMessage = z.infer<typeof startedMessageSchema>;
export type FinishedMessage = z.infer<typeof finishedMessageSchema>;
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

export const heartbeatSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    id: z.string().min(1).max(200),
    host: z.string().max(255),
    pid: z.number().int().min(0),
    objective: name,
    concurrency: z.number().int().min(1),
    busy: z.array(z.object({ studyId: name, trialId: id })).max(1000),
    startedAt: iso,
    at: iso,
  })
  .strict();
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** Largest message accepted from a worker, in characters of JSON (metrics can be large, not unbounded). */
export const MAX_MESSAGE_CHARS = 4_000_000;

export function trialQueueName(objectiveKey: string): string {
  return `trials-${objectiveKey}`;
}

export function resultQueueName(studyId: string): string {
  return `results-${studyId}`;
}

export function jobId(studyId: string, trialId: number, attempt: number): string {
  return `${studyId}-t${trialId}-a${attempt}`;
}

export function heartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:${workerId}`;
}

/** The first problem zod found, as a phrase. */
export function describeInvalid(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.length > 0 ? issue.path.join('.') : 'payload'}: ${issue.message}`;
}
