/**
 * Every error code MystiCanvas puts on a wire, in ONE table (design.md §2's error shape
 * `{"error": {"code", "message", "details?"}}`), and the error classes that read it. Shared by the
 * runtime, the worker processes and the editor bundle: types and plain objects only, no imports,
 * no Node built-ins.
 *
 * Kinds (n8n's taxonomy, anchors-aesthetics.md §8):
 * - `user`: the request, graph or params are wrong → 4xx, never retried, shown on the node;
 * - `operational`: the machine is in a bad state (worker crashed, out of memory, busy, cancelled)
 *   → 5xx/409, may be retried;
 * - `unexpected`: a bug → 500, logged with run/node ids.
 *
 * ## Adding a code
 * Add ONE row to {@link ERROR_CODES} below: `MY_CODE: { kind, status, retryable, message? }`.
 * That is all — `ErrorCode` and the per-kind unions follow from the table, `new UserError('MY_CODE', …)`
 * only type-checks once the row exists (and only when its kind is `user`), and a worker's error
 * with that code is re-classified from the row ({@link errorFromWire}). `message` is the fixed
 * user-facing sentence when there is one (the editor shows it as is); codes with a sentence built
 * from parameters have a function in {@link sentences}.
 */

/** The three error kinds. */
export type ErrorKind = 'user' | 'operational' | 'unexpected';

/** One row of the table: how a code is classified and answered. */
export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** HTTP status the API answers with (a call site may choose a more specific one). */
  readonly status: number;
  /** Whether waiting and retrying the same request can succeed (background jobs retry these). */
  readonly retryable: boolean;
  /** The fixed user-facing sentence, when the code always means the same thing. */
  readonly message?: string;
}

// Literal `kind`s so the per-kind code unions below can be derived from the table.
const user = (status = 400) => ({ kind: 'user' as const, status, retryable: false });
const operational = (status = 503, retryable = true) => ({
  kind: 'operational' as const,
  status,
  retryable,
});

/** How to point MystiCanvas at stable-diffusion.cpp (ends every ENGINE_NOT_CONFIGURED sentence). */
export const SD_CPP_HOW_TO =
  "Set SD_CPP_BIN to the path of stable-diffusion.cpp's sd-cli executable (or `sd` for builds before 2025-12), " +
  'e.g. SD_CPP_BIN=/opt/stable-diffusion.cpp/build/bin/sd-cli, then restart MystiCanvas. ' +
  'Build it from https://github.com/leejet/stable-diffusion.cpp or use a release binary.';

/** The table. Keep rows alphabetical within each kind. */
export const ERROR_CODES = {
  // ── user: the input is wrong ────────────────────────────────────────────────────────────────
  /** `mysti backup` into a folder inside the data folder. */
  BACKUP_DIR_INSIDE_HOME: user(),
  BACKUP_DIR_NOT_EMPTY: user(),
  BACKUP_INVALID: user(),
  BAD_CURSOR: user(),
  BAD_OVERRIDE: user(),
  BAD_PARAMS: user(),
  BAD_PATH: user(),
  BAD_REQUEST: user(),
  COLLECTION_EXISTS: user(409),
  CONFIG_INVALID: user(),
  /** Per-job: the image file of a generation is gone (background jobs). */
  FILE_MISSING: user(422),
  /** Import: the file is over the import size limit. */
  FILE_TOO_LARGE: user(413),
  FOLDER_NOT_FOUND: user(),
  EMBEDDING_DIMENSION: user(),
  /** Semantic search asked for while no embedding model is configured. */
  EMBEDDINGS_OFF: user(409),
  ENGINE_NOT_CONFIGURED: {
    ...user(),
    message: `stable-diffusion.cpp is not configured. ${SD_CPP_HOW_TO}`,
  },
  FORBIDDEN_HOST: user(403),
  FORBIDDEN_ORIGIN: user(403),
  GRAPH_INVALID: user(),
  GRAPH_VERSION_UNSUPPORTED: user(),
  /** A guide image (ControlNet, IP-Adapter) without its model, or the model without its image (issue 14). */
  GUIDE_INCOMPLETE: user(),
  /** Import: the image header cannot be decoded. */
  IMAGE_INVALID: user(),
  IMAGE_UNREADABLE: user(422),
  /** Upload (issue 14): the image has more pixels than the studio decodes (100 MP). */
  IMAGE_TOO_LARGE: user(413),
  INPUT_MISSING: user(),
  /** An image port carries batches of different sizes into one node (runtime/engine/batch.ts). */
  BATCH_MISMATCH: user(),
  /** A JSON body, graph or PNG chunk nested deeper than runtime/json-limits.ts allows. */
  JSON_TOO_DEEP: user(),
  /** POST /api/workflows/from-image: the multipart body cannot be parsed. */
  BAD_MULTIPART: user(),
  /** A model stack lacks a text encoder or VAE its family needs (nodes/diffusion/families.ts). */
  STACK_INCOMPLETE: user(),
  INVALID_JSON: user(),
  JOB_UNKNOWN: user(),
  /** Answered 503 because the job runner is off in this process, but waiting will not start it. */
  JOBS_OFF: user(503),
  /** Inpainting: the mask's size differs from the init image's (issue 14); nothing is generated. */
  MASK_SIZE_MISMATCH: user(),
  METADATA_TOO_LARGE: user(),
  MODEL_INVALID: user(),
  MODEL_NOT_CONFIGURED: user(),
  MODEL_NOT_FOUND: user(404),
  MODEL_NOT_UNSAFE: user(),
  MODEL_UNSAFE: user(),
  MODEL_WRONG_KIND: user(),
  NO_METADATA: user(),
  NO_WORKFLOW: user(404),
  NOT_AVAILABLE: user(503),
  NOT_FOUND: user(404),
  NOT_EMBEDDED: user(409),
  /** Auto-tag job: no prompt in the generation or its lineage (background jobs). */
  NOTHING_KNOWN: user(422),
  PATH_OUTSIDE_ROOT: user(403),
  PAYLOAD_TOO_LARGE: user(413),
  PNG_INVALID: user(),
  PNG_TRUNCATED: user(),
  PRESET_INVALID: user(),
  PRESET_NAME_TAKEN: user(409),
  PRESET_NOT_FOUND: user(404),
  PRESETS_UNAVAILABLE: user(),
  PROMPT_TOO_LONG: user(),
  /** Import: the file cannot be read at all (permissions, I/O). */
  READ_FAILED: user(),
  /** Moving a run in the queue that is not waiting (issue 15). */
  RUN_NOT_QUEUED: user(409),
  /** Resume of a run that is not interrupted or failed (issue 15). */
  RUN_NOT_RESUMABLE: user(409),
  TAG_EXISTS: user(409),
  TEMPLATE_EXISTS: user(409),
  /** POST /api/runs `inputs` names an App field the graph does not expose. */
  UNKNOWN_APP_INPUT: user(),
  UNKNOWN_NODE_TYPE: user(),
  UNSUPPORTED_FORMAT: user(),
  UNSUPPORTED_MEDIA_TYPE: user(415),
  WORKFLOW_INVALID: user(),
  // ── operational: the machine is in a bad state ──────────────────────────────────────────────
  /** A conversation's previous assistant turn is still running (issue 16). */
  ASSISTANT_BUSY: operational(409),
  /** The assistant's model called more tools in one turn than `assistant.maxToolCalls` allows. */
  ASSISTANT_TOOL_LIMIT: operational(429, false),
  CANCELLED: operational(409),
  /** The database fails its integrity check; the studio refuses to start on it. */
  DB_DAMAGED: operational(),
  DB_MISSING: operational(),
  /** The database (or a backup) was written by a newer MystiCanvas. */
  DB_TOO_NEW: operational(),
  /** ENOSPC / EDQUOT / SQLITE_FULL (runtime/fs/disk-errors.ts). */
  DISK_FULL: operational(507),
  /** The resident sd-server died during a job. */
  ENGINE_CRASHED: operational(),
  ENGINE_FAILED: operational(),
  /** The engine process was killed from outside (SIGKILL without out-of-memory evidence); not retried. */
  ENGINE_KILLED: operational(503, false),
  /** No progress from the engine within the phase's stall limit (config stallTimeoutsS). */
  ENGINE_STALLED: operational(503, false),
  ENGINE_UNAVAILABLE: operational(),
  HOME_IN_USE: operational(),
  /** A run that was executing when the runtime stopped (set at the next start). */
  INTERRUPTED: operational(),
  MODEL_LOAD_FAILED: operational(),
  NO_EXECUTOR: operational(),
  OUT_OF_MEMORY: operational(),
  /** EROFS / SQLITE_READONLY (runtime/fs/disk-errors.ts). */
  READ_ONLY: operational(507),
  SHUTTING_DOWN: operational(),
  /** A grammar-constrained tool call ran out of tokens before its JSON was complete (issue 16). */
  TOOL_CALL_TRUNCATED: operational(502),
  /** More than config maxQueuedRuns runs wait: 429 with Retry-After. */
  QUEUE_FULL: operational(429),
  TIMEOUT: operational(),
  /** A worker refused a request without its per-launch token (worker-internal HTTP). */
  UNAUTHORIZED: operational(401, false),
  VRAM_EVICT_FAILED: operational(),
  VRAM_REFUSED: operational(),
  WORKER_CRASH_LOOP: operational(),
  WORKER_CRASHED: operational(),
  WORKER_FAILED: operational(),
  WORKER_PROTOCOL: operational(),
  WORKER_START_FAILED: operational(),
  WORKER_UNAVAILABLE: operational(),
  WORKER_UNHEALTHY: operational(),
  WORKER_UNKNOWN: operational(),
  WORKER_UNLOAD_FAILED: operational(),
  // ── unexpected: a bug ───────────────────────────────────────────────────────────────────────
  INTERNAL: { kind: 'unexpected' as const, status: 500, retryable: true },
} as const satisfies Record<string, ErrorSpec>;

/** Every code on any wire. */
export type ErrorCode = keyof typeof ERROR_CODES;
/** Codes whose row has `kind: K` (what `UserError`/`OperationalError` accept). */
export type CodeOfKind<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { kind: K } ? C : never;
}[ErrorCode];
export type UserCode = CodeOfKind<'user'>;
export type OperationalCode = CodeOfKind<'operational'>;

/** The row of `code`; a code no row knows (an older/newer worker) reads as operational 503. */
export function errorSpec(code: string): ErrorSpec {
  return isErrorCode(code) ? ERROR_CODES[code] : UNKNOWN_SPEC;
}
const UNKNOWN_SPEC: ErrorSpec = operational();

/** True when `code` has a row in the table. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** An error as it crosses a wire: `{code, message, details?}`. */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** HTTP error body (design.md §2). */
export interface ErrorBody {
  error: WireError;
}

/**
 * User-facing sentences built from parameters, shared by the code that throws them and the editor
 * that shows them before a run (editor/src/queue/preflight.ts) — one wording, no copies.
 */
export const sentences = {
  /** MODEL_NOT_CONFIGURED for an image (`sd`) or language (`llm`) model; `node` is the node's name. */
  modelNotConfigured(node: string, kind: 'sd' | 'llm'): string {
    if (kind === 'llm') {
      return `${node} needs a language model: pick a GGUF file in the node's Model field. Models are listed from the folders in MYSTI_MODELS (default: <data>/models); put a .gguf file there and rescan.`;
    }
    return `Choose a model in the ${node} node's "Model" param, or set MYSTI_MODELS to a folder with Stable Diffusion checkpoints (.safetensors, .gguf) and restart.`;
  },
  /** BAD_PARAMS of a Load image node without a source. */
  loadImageNoSource: 'load image: set "source" to a generation id or a path inside the data folder',
} as const;

/** Base of all MystiCanvas errors; `status` is the HTTP status the API answers with. */
export abstract class MystiError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly status: number = ERROR_CODES[code]?.status ?? 500,
  ) {
    super(message);
    this.name = new.target.name;
  }
  /** Whether the table says retrying can help. */
  get retryable(): boolean {
    return errorSpec(this.code).retryable;
  }
  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** The user's input is wrong: bad graph, bad params, unknown id, path outside the data folder. */
export class UserError extends MystiError {
  readonly kind = 'user' as const;
  constructor(code: UserCode, message: string, details?: Record<string, unknown>, status?: number) {
    super(code, message, details, status ?? ERROR_CODES[code].status);
  }
}

/** The environment failed: worker crash, OOM, engine failure, disk full, cancellation. */
export class OperationalError extends MystiError {
  readonly kind = 'operational' as const;
  constructor(
    code: OperationalCode,
    message: string,
    details?: Record<string, unknown>,
    status?: number,
  ) {
    super(code, message, details, status ?? errorSpec(code).status);
  }
}

/** A bug. The message is kept for logs; the API says "internal error" with the code. */
export class UnexpectedError extends MystiError {
  readonly kind = 'unexpected' as const;
  constructor(message: string, details?: Record<string, unknown>) {
    super('INTERNAL', message, details, 500);
  }
}

/**
 * An error whose kind is read from the table (any code): what a worker throws in a job
 * (workers/protocol/server.ts re-exports it as `WorkerJobError`) and what {@link errorFromWire}
 * rebuilds for codes that are neither user nor unexpected.
 */
export class CodedError extends MystiError {
  get kind(): ErrorKind {
    return errorSpec(this.code).kind;
  }
  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    status?: number,
  ) {
    super(code, message, details, status ?? errorSpec(code).status);
  }
}

/** Wraps anything thrown into a MystiError (non-Mysti errors become UnexpectedError). */
export function toMystiError(err: unknown): MystiError {
  if (err instanceof MystiError) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new OperationalError('CANCELLED', 'cancelled');
  }
  return new UnexpectedError(err instanceof Error ? err.message : String(err));
}

/**
 * Rebuilds an error received as `{code, message, details}` from another process, classified by the
 * table: a user code → UserError, INTERNAL → UnexpectedError, anything else (including a code no
 * row knows) → OperationalError-kind.
 */
export function errorFromWire(e: {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}): MystiError {
  const spec = errorSpec(e.code);
  if (spec.kind === 'user') return new UserError(e.code as UserCode, e.message, e.details);
  if (spec.kind === 'unexpected') return new UnexpectedError(e.message, e.details);
  // A code without a row stays as sent (logs and clients see what the worker said).
  if (!isErrorCode(e.code)) return new UnknownCodeError(e.code, e.message, e.details);
  return new OperationalError(e.code as OperationalCode, e.message, e.details);
}

/** An operational error carrying a code that has no row (sent by a newer or foreign process). */
class UnknownCodeError extends OperationalError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('WORKER_FAILED', message, details);
    (this as { code: string }).code = code;
  }
}
