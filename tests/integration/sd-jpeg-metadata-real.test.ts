/**
 * The JPEG metadata reader against what a REAL stable-diffusion.cpp writes (sd-cli `-o x.jpg`:
 * a COM segment `parameters\0<text>`, sdcpp.md §1.2). Runs only with SD_CPP_BIN and
 * SD_TEST_MODEL (the shared/sdcpp build and its tiny random-weight model); the image is made in a
 * temp folder, never committed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeImage, isFailure } from '../../runtime/library/import-read';
import { importWorkflowAny } from '../../runtime/importers';

const BIN = process.env.SD_CPP_BIN;
const MODEL = process.env.SD_TEST_MODEL;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-sdjpeg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!BIN || !MODEL)('sd-cli JPEG output', () => {
  it('its COM parameters are read: prompt, negative prompt, seed, steps; from-image imports it as sd.cpp', async () => {
    const out = path.join(dir, 'fox.jpg');
    execFileSync(
      BIN!,
      [
        '-m',
        MODEL!,
        '-p',
        'a red fox',
        '-n',
        'blurry',
        '--steps',
        '1',
        '-W',
        '64',
        '-H',
        '64',
      ].concat(['-s', '42', '-o', out]),
      { stdio: 'ignore', timeout: 240_000 },
    );
    const bytes = fs.readFileSync(out);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    const r = await describeImage(bytes);
    if (isFailure(r)) throw new Error(r.reason);
    expect(r).toMatchObject({
      format: 'jpeg',
      width: 64,
      height: 64,
      source: 'sdcpp',
      prompt: 'a red fox',
      negativePrompt: 'blurry',
      seed: '42',
      steps: 1,
    });
    expect((await importWorkflowAny({ bytes })).source).toBe('sdcpp');
  }, 300_000);
});
