/**
 * Debian's Chromium driven by playwright-core, as CI runs it (`.ci/run` installs the package). A missing browser
 * is an error, not a skip: the dashboard is only tested in a real browser.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the dashboard tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it).`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // playwright gives every launch a fresh, empty profile (it refuses --user-data-dir here).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
