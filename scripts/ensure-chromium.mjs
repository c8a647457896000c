#!/usr/bin/env node
/**
 * The end-to-end tests drive Debian's Chromium (/usr/bin/chromium) through Playwright
 * (`npx playwright install` cannot download browsers here). Installs it with apt-get when it is
 * missing and we are root; otherwise says exactly what to install.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const BIN = process.env.MYSTI_CHROMIUM ?? '/usr/bin/chromium';
if (fs.existsSync(BIN)) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(
    `Chromium is missing at ${BIN}. Install Debian's package: sudo apt-get install -y chromium`,
  );
  process.exit(1);
}
console.error('installing Debian chromium for the end-to-end tests (apt-get)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'],
]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
