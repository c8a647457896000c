/**
 * The stand-in follows shared/docs/sdcpp.md §1 on the points the worker depends on: streams, bar
 * bytes, exit codes and signals, output naming. (It is what CI runs instead of sd.cpp, so its
 * fidelity is tested like product code.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { STANDIN } from '../helpers/sd-standin/worker';

const dir = mkdtempSync(join(tmpdir(), 'sd-standin-'));
const model = join(dir, 'm.gguf');
writeFileSync(model, Buffer.concat([Buffer.from('GGUF\x03\0\0\0', 'latin1'), Buffer.alloc(1024)]));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(STANDIN, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, SDCPP_STANDIN_STEP_MS: '1', ...env },
  });

describe('sd-cli stand-in fidelity', () => {
  it('prints the version line and exits 0', () => {
    const r = run(['--version']);
    expect([r.status, r.stdout]).toEqual([
      0,
      'stable-diffusion.cpp version master-827-97d2990, commit 97d29908\n',
    ]);
  });

  it('unknown flag: [ERROR] on stderr, usage on stdout, exit 1', () => {
    const r = run(['-m', model, '--bogus-flag']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^\[ERROR\] common\.cpp:325 +- error: unknown argument: --bogus-flag\n$/,
    );
    expect(r.stdout).toMatch(/^usage: /);
  });

  it('non-numeric int aborts with SIGABRT after the libstdc++ message', () => {
    const r = run(['-m', model, '--steps', 'abc']);
    expect(r.signal).toBe('SIGABRT');
    expect(r.stderr).toContain(
      "terminate called after throwing an instance of 'std::invalid_argument'",
    );
  });

  it('txt2img: log lines and bars on stdout in the documented byte format; batch naming', () => {
    const r = run([
      '-m',
      model,
      '-p',
      'x',
      '-W',
      '64',
      '-H',
      '64',
      '--steps',
      '3',
      '-b',
      '2',
      '-o',
      join(dir, 'b.png'),
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const bars =
      // eslint-disable-next-line no-control-regex -- matching the ANSI escapes sd.cpp prints
      r.stdout.match(/\r {2}\|[=> ]{50}\| \d+\/3 - [\d.]+(it\/s|s\/it)\x1b\[K\n?/g) ?? [];
    expect(bars).toHaveLength(6);
    expect(bars[2]!.endsWith('\x1b[K\n')).toBe(true);
    expect(bars[0]).toMatch(/^\r {2}\|================>/);
    expect(r.stdout).toMatch(
      /\[INFO \] stable-diffusion\.cpp:\d+ +- generating image: 2\/2 - seed 43\n/,
    );
    // eslint-disable-next-line no-control-regex -- matching the ANSI escapes sd.cpp prints
    expect(r.stdout).toMatch(/\r {2}\|#{50}\| \d+\/\d+ - [\d.]+[MG]B\/s\x1b\[K\n/);
    expect(existsSync(join(dir, 'b_0.png')) && existsSync(join(dir, 'b_1.png'))).toBe(true);
  });

  it('appends .png without a known extension; .webp fails to save with exit 1', () => {
    expect(
      run(['-m', model, '-W', '64', '-H', '64', '--steps', '1', '-o', join(dir, 'noext')]).status,
    ).toBe(0);
    expect(existsSync(join(dir, 'noext.png'))).toBe(true);
    const r = run(['-m', model, '-W', '64', '-H', '64', '--steps', '1', '-o', join(dir, 'w.webp')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`save result image 0 to '${join(dir, 'w.webp')}' (failure)`);
  });

  it('OOM: insufficient memory then SIGABRT; OOM killer: SIGKILL', () => {
    const a = run(['-m', model, '-W', '64', '-H', '64', '--steps', '2'], {
      SDCPP_STANDIN_FAULT: 'oom',
    });
    expect(a.signal).toBe('SIGABRT');
    expect(a.stderr).toContain('ggml_aligned_malloc: insufficient memory (attempted to allocate');
    expect(
      run(['-m', model, '--steps', '2', '-W', '64', '-H', '64'], {
        SDCPP_STANDIN_FAULT: 'oom-kill',
      }).signal,
    ).toBe('SIGKILL');
  });

  it('upscale with a missing upscaler exits 0 and keeps the original size', async () => {
    const input = join(dir, 'in.png');
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#000' } })
      .png()
      .toFile(input);
    const r = run([
      '-M',
      'upscale',
      '-i',
      input,
      '--upscale-model',
      join(dir, 'none.pth'),
      '-o',
      join(dir, 'up.png'),
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('new_upscaler_ctx failed');
    expect((await sharp(join(dir, 'up.png')).metadata()).width).toBe(32);
  });
});
