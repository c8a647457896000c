/**
 * Vite config for the editor SPA. Built to editor/dist, which the runtime serves at `/`
 * (`npx vite build --config editor/vite.config.ts`). In `npm run dev:editor` the API and the
 * WebSocket are proxied to a runtime on MYSTI_PORT (default 1234).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const runtime = `127.0.0.1:${process.env.MYSTI_PORT ?? '1234'}`;

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 3000,
  },
  worker: { format: 'es' },
  server: {
    proxy: {
      '/api': `http://${runtime}`,
      '/ws': { target: `ws://${runtime}`, ws: true },
    },
  },
});
