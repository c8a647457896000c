/**
 * Structured JSON logs (pino): one JSON object per line with `reqId` or `runId`/`nodeId` bound by
 * child loggers, so every line of a request or run can be grepped together.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Root logger; level from MYSTI_LOG_LEVEL (default info; `silent` in tests). Lines go to stderr:
 * stdout is kept for what commands print as their result (`mysti run`'s output paths).
 */
export function createLogger(level = process.env.MYSTI_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { app: 'mysticanvas' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination(2),
  );
}
