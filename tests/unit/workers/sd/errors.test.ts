import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapSdFailure, upscaleFailure, type SdExit } from '../../../../workers/sd/errors';

const dir = mkdtempSync(join(tmpdir(), 'sd-errors-'));
const junk = join(dir, 'junk.gguf');
writeFileSync(junk, 'not a model');
const missing = join(dir, 'nope.gguf');

const exit = (o: Partial<SdExit>): SdExit => ({
  code: 1,
  signal: null,
  stdoutLines: [],
  stderrLines: [],
  cancelled: false,
  ...o,
});

// One case per row of shared/docs/sdcpp.md §1.4 (texts as documented).
const rows: [string, SdExit, string][] = [
  [
    'unknown flag',
    exit({
      stderrLines: ['[ERROR] common.cpp:325  - error: unknown argument: --bogus-flag'],
      stdoutLines: ['usage: sd-cli [options]'],
    }),
    'BAD_PARAMS',
  ],
  [
    'missing -m',
    exit({
      stderrLines: [
        '[ERROR] common.cpp:1419 - error: the following arguments are required: model_path/diffusion_model',
      ],
    }),
    'BAD_PARAMS',
  ],
  [
    'bad enum value',
    exit({
      stderrLines: [
        '[ERROR] common.cpp:1512 - error: invalid sample method nope',
        '[ERROR] common.cpp:331  - invalid parameter for argument: --sampling-method',
      ],
    }),
    'BAD_PARAMS',
  ],
  [
    'non-numeric int (SIGABRT)',
    exit({
      code: null,
      signal: 'SIGABRT',
      stderrLines: [
        "terminate called after throwing an instance of 'std::invalid_argument'",
        '  what():  stoi',
      ],
    }),
    'BAD_PARAMS',
  ],
  [
    'non-numeric int (exit 134 via a shell)',
    exit({
      code: 134,
      stderrLines: ["terminate called after throwing an instance of 'std::invalid_argument'"],
    }),
    'BAD_PARAMS',
  ],
  [
    'model file missing',
    exit({
      stderrLines: [
        `[ERROR] model.cpp:1185 - init model loader from file failed: '${missing}'`,
        `[ERROR] stable-diffusion.cpp:273  - get sd version from file failed: '${missing}'`,
      ],
      stdoutLines: ['new_sd_ctx_t failed'],
    }),
    'MODEL_NOT_FOUND',
  ],
  [
    'not a model / truncated',
    exit({
      stderrLines: [
        `[ERROR] model.cpp:1185 - init model loader from file failed: '${junk}'`,
        `[ERROR] stable-diffusion.cpp:273  - get sd version from file failed: '${junk}'`,
      ],
      stdoutLines: ['new_sd_ctx_t failed'],
    }),
    'MODEL_INVALID',
  ],
  [
    'tensor missing',
    exit({
      stderrLines: [
        "[ERROR] model.cpp:2031 - tensor 'model.diffusion_model.out.2.weight' not in model metadata",
      ],
      stdoutLines: ['new_sd_ctx_t failed'],
    }),
    'MODEL_INVALID',
  ],
  [
    'tensor wrong shape',
    exit({
      stderrLines: [
        "[ERROR] model.cpp:2031 - tensor 'first_stage_model.decoder.conv_in.weight' has wrong shape in model file: got [3, 3, 4, 512, 1], expected [3, 3, 8, 512, 1]",
      ],
    }),
    'MODEL_INVALID',
  ],
  [
    'input image unreadable',
    exit({ stderrLines: ["[ERROR] main.cpp:512  - load image from '/tmp/x.png' failed"] }),
    'BAD_PARAMS',
  ],
  [
    '-o directory cannot be created',
    exit({ stderrLines: ["[ERROR] main.cpp:713  - failed to create directory '/proc/x'"] }),
    'ENGINE_FAILED',
  ],
  [
    'save failed',
    exit({
      stdoutLines: [
        "[INFO ] main.cpp:734  - save result image 0 to 'w.webp' (failure)",
        '[INFO ] main.cpp:740  - 0/1 images saved',
      ],
    }),
    'ENGINE_FAILED',
  ],
  [
    'ggml OOM abort (SIGABRT)',
    exit({
      code: null,
      signal: 'SIGABRT',
      stderrLines: [
        'ggml_aligned_malloc: insufficient memory (attempted to allocate 145.08 MB)',
        'ggml/src/ggml-backend.cpp:1662: GGML_ASSERT(buf != NULL && "failed to allocate buffer") failed',
      ],
    }),
    'OUT_OF_MEMORY',
  ],
  [
    'ggml OOM abort (exit 134)',
    exit({
      code: 134,
      stderrLines: ['ggml_aligned_malloc: insufficient memory (attempted to allocate 1.20 GB)'],
    }),
    'OUT_OF_MEMORY',
  ],
  [
    'OOM killer (SIGKILL, the kernel counted an OOM kill)',
    exit({ code: null, signal: 'SIGKILL', oomKilled: true }),
    'OUT_OF_MEMORY',
  ],
  [
    'OOM killer (exit 137, the kernel counted an OOM kill)',
    exit({ code: 137, oomKilled: true }),
    'OUT_OF_MEMORY',
  ],
  [
    'SIGKILL from someone else (no OOM evidence)',
    exit({ code: null, signal: 'SIGKILL', oomKilled: false }),
    'ENGINE_KILLED',
  ],
  ['exit 137 without OOM evidence', exit({ code: 137 }), 'ENGINE_KILLED'],
  [
    'SIGKILL after ggml printed an allocation failure',
    exit({
      code: null,
      signal: 'SIGKILL',
      stderrLines: ['ggml_aligned_malloc: insufficient memory (attempted to allocate 1.20 GB)'],
    }),
    'OUT_OF_MEMORY',
  ],
  [
    'cancelled by us (SIGTERM)',
    exit({ code: null, signal: 'SIGTERM', cancelled: true }),
    'CANCELLED',
  ],
  [
    'unknown failure',
    exit({ code: 3, stderrLines: ['[ERROR] stable-diffusion.cpp:99   - something odd'] }),
    'ENGINE_FAILED',
  ],
];

describe('mapSdFailure (sdcpp.md §1.4)', () => {
  it.each(rows)('%s → %s', (_name, x, code) => {
    const e = mapSdFailure(x);
    expect(e.code).toBe(code);
    expect(e.message.length).toBeGreaterThan(5);
    expect(e.details).toMatchObject({ exitCode: x.code, signal: x.signal });
    expect((e.details as { errorLines: string[] }).errorLines).toEqual(
      x.stderrLines.filter((l) => l.trim()),
    );
  });

  it('names the allocation size for OOM and the missing path for MODEL_NOT_FOUND', () => {
    expect(
      mapSdFailure(rows.find((r) => r[0] === 'ggml OOM abort (SIGABRT)')![1]).details,
    ).toMatchObject({ attempted: '145.08 MB' });
    expect(mapSdFailure(rows.find((r) => r[0] === 'model file missing')![1]).details).toMatchObject(
      { path: missing },
    );
  });
});

describe('upscaleFailure (exit 0, sdcpp.md §1.4 last row)', () => {
  it('detects new_upscaler_ctx failed: missing file vs invalid file', () => {
    const x = exit({ code: 0, stderrLines: ['[ERROR] main.cpp:660  - new_upscaler_ctx failed'] });
    expect(upscaleFailure(x, missing)?.code).toBe('MODEL_NOT_FOUND');
    expect(upscaleFailure(x, junk)?.code).toBe('MODEL_INVALID');
  });
  it('detects upscale failed, and passes a clean run', () => {
    expect(
      upscaleFailure(
        exit({ code: 0, stderrLines: ['[ERROR] main.cpp:660  - upscale failed'] }),
        junk,
      )?.code,
    ).toBe('ENGINE_FAILED');
    expect(upscaleFailure(exit({ code: 0 }), junk)).toBeNull();
  });
});
