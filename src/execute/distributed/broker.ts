/**
 * Connecting to the Redis broker. URLs: `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS
 * (with `tlsCa` naming a PEM file when the server's certificate comes from a private authority). A password can
 * also come from the SPIKEOPT_REDIS_PASSWORD environment variable, which keeps it off command lines and out of
 * process listings. Connections retry forever with a capped back-off, so masters and workers ride out a Redis
 * restart.
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../util/errors.js';

export interface BrokerConfig {
  url: string;
  /** PEM file of a private certificate authority for rediss:// URLs. */
  tlsCa?: string | null;
}

/** ioredis options for a broker URL (BullMQ takes the same). */
export function brokerOptions(broker: BrokerConfig): RedisOptions {
  let url: URL;
  try {
    url = new URL(broker.url);
  } catch {
    throw new UserError(`Broker URL '${redact(broker.url)}' is not a URL; expected redis://HOST:PORT or rediss://HOST:PORT.`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UserError(`Broker URL '${redact(broker.url)}' must start with redis:// or rediss:// (TLS).`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UserError(`Broker URL '${redact(broker.url)}' names no host.`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UserError(`Broker URL '${redact(broker.url)}' has database '${dbText}'; expected a number.`);
  const password = url.password !== '' ? decodeURIComponent(url.password) : process.env.SPIKEOPT_REDIS_PASSWORD || undefined;
  const options: RedisOptions = {
    host,
    port,
    db,
    username: url.username !== '' ? decodeURIComponent(url.username) : undefined,
    password,
    connectTimeout: 5000,
    // Required by BullMQ for blocking connections; a command waits for the reconnection instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
  if (url.protocol === 'rediss:') {
    let ca: Buffer | undefined;
    if (broker.tlsCa) {
      try {
        ca = readFileSync(broker.tlsCa);
      } catch (err) {
        throw new UserError(`TLS certificate authority file ${broker.tlsCa} could not be read: ${(err as Error).message}.`);
      }
    }
    options.tls = { servername: host, ...(ca ? { ca } : {}) };
  } else if (broker.tlsCa) {
    throw new UserError(`A TLS certificate authority was given but the broker URL '${redact(broker.url)}' is not rediss://.`);
  }
  return options;
}

/** The URL with its password replaced by ***, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/**
 * Connects once, pings and disconnects, to fail fast with a clear sentence (unreachable, refused password, TLS
 * trouble) instead of retrying forever in the background.
 */
export async function checkBroker(broker: BrokerConfig, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...brokerOptions(broker), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: timeoutMs });
  // The reason (refused password, TLS failure) arrives as an 'error' event; the promise only says "closed".
  let reason: Error | null = null;
  client.on('error', (err: Error) => (reason ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const message = (reason ?? (err as Error)).message;
    const why = /WRONGPASS|NOAUTH|invalid password|invalid username/i.test(message) ? 'it refused the credentials' : message.replace(/\.$/, '');
    throw new UserError(`Cannot use the broker at ${redact(broker.url)}: ${why}.`);
  } finally {
    client.disconnect();
  }
}

/** A plain client for our own keys (heartbeats); errors are reported through `onError`, not thrown. */
export function brokerClient(broker: BrokerConfig, onError: (err: Error) => void = () => {}): Redis {
  const client = new Redis(brokerOptions(broker));
  client.on('error', onError);
  return client;
}
