/**
 * Playwright end-to-end suite: the built editor served by a real runtime (`tsx runtime/cli.ts
 * serve`, started by helpers/global-setup.ts on a free port with a fresh MYSTI_HOME), the sd-cli
 * stand-in as SD_CPP_BIN and the real tiny LLM (stories260K). Debian's headless chromium.
 * Tests share one runtime, so they run in one worker, in file order.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.e2e.ts',
  outputDir: './artifacts/test-results',
  globalSetup: './helpers/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
