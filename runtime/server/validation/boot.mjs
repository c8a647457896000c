// Worker-thread entry: registers tsx's loader in this thread (the studio runs from TypeScript, and
// a worker thread started from vitest or plain node has no loader of its own), then loads the
// TypeScript body of the thread.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
