/** Progress lines the CLI prints for run events (stderr; stdout is kept for output paths). */
import type { MystiEvent } from './engine/events';

/** Prints one line to stderr for a node start, a step of progress, a node or run end (error code and message on failure); other events print nothing. */
export function printEvent(e: MystiEvent): void {
  const err = e.error as { code?: string; message?: string } | undefined;
  switch (e.type) {
    case 'node.started':
      console.error(`  ▶ ${e.nodeId}`);
      break;
    case 'node.progress':
      if (e.step !== undefined && e.steps)
        console.error(
          `    ${e.nodeId} ${String(e.phase ?? '')} ${String(e.step)}/${String(e.steps)}`,
        );
      break;
    case 'node.cached':
      console.error(`  ✓ ${e.nodeId} (cached)`);
      break;
    case 'node.completed':
      console.error(`  ✓ ${e.nodeId} ${String(e.ms)} ms`);
      break;
    case 'node.failed':
      console.error(`  ✗ ${e.nodeId}: ${err?.code}: ${err?.message}`);
      break;
    case 'arbiter.decision':
      if (e.action !== 'proceed' && e.message) console.error(`    vram: ${String(e.message)}`);
      break;
    default:
  }
}
