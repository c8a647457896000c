/** The app version (package.json), written into saved images and served by /api/health. */
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const APP_VERSION: string = pkg.version;
/** Short form for the A1111 `Version:` field (major.minor). */
export const APP_VERSION_SHORT: string = APP_VERSION.split('.').slice(0, 2).join('.');
