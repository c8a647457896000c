/**
 * `mysti run` as a user runs it: a child process on a temp home with the sd.cpp stand-in.
 * A bad graph exits non-zero printing every problem; `--set node.param=value` overrides params
 * and the command prints output paths that exist and carry the overridden settings.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngTextFile } from '../../runtime/png';
import { GraphBuilder, txt2imgChain } from '../helpers/graph-builder';
import { makeTempHome, REPO_ROOT, type TempHome } from '../helpers/temp-home';
import { startTestStudio } from '../helpers/studio';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mysti(home: TempHome, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...home.env, SDCPP_STANDIN_STEP_MS: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mysti run', () => {
  let home: TempHome;
  const write = (name: string, graph: unknown) => {
    const f = path.join(home.home, name);
    fs.writeFileSync(f, JSON.stringify(graph));
    return f;
  };

  beforeAll(() => {
    home = makeTempHome();
  });
  afterAll(() => home?.cleanup());

  it('a bad graph exits non-zero and prints every validation problem', async () => {
    const g = new GraphBuilder('bad');
    const p = g.node('prompt', { text: 'x' }, {}, 'p');
    g.node('img2img', { steps: 'lots' }, { prompt: p.out('text') }, 'a');
    g.node('upscale', {}, { image: { nodeId: 'a', port: 'image' } }, 'b');
    g.connect({ nodeId: 'b', port: 'image' }, 'a', 'image');
    g.node('save', {}, { image: p.out('text') }, 's');
    g.node('not-a-node', {}, {}, 'm');
    const r = await mysti(home, ['run', write('bad.json', g.finalize())]);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    for (const code of [
      'GRAPH_INVALID',
      'CYCLE',
      'PORT_TYPE_MISMATCH',
      'UNKNOWN_NODE_TYPE',
      'BAD_PARAM',
    ])
      expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(/not-a-node/);
    expect(r.stdout).toBe('');
    // Nothing ran: no database rows were needed to refuse it, no outputs written.
    expect(
      fs.existsSync(path.join(home.home, 'outputs'))
        ? fs.readdirSync(path.join(home.home, 'outputs'))
        : [],
    ).toEqual([]);
  });

  it('unreadable JSON and an override naming no node exit non-zero with the reason', async () => {
    const f = path.join(home.home, 'broken.json');
    fs.writeFileSync(f, '{"format": "mysticanvas.graph", ');
    const broken = await mysti(home, ['run', f]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/JSON/);
    const bad = await mysti(home, [
      'run',
      write('ok.json', txt2imgChain().finalize()),
      '--set',
      'ghost.steps=3',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('BAD_OVERRIDE');
  });

  it('a model file that does not exist is refused before anything runs', async () => {
    const r = await mysti(home, [
      'run',
      write('nomodel.json', txt2imgChain({ model: 'no-such-model.safetensors' }).finalize()),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GRAPH_INVALID');
    expect(r.stderr).toContain('[MODEL_NOT_FOUND] node gen');
    expect(r.stderr).not.toMatch(/queued/);
  });

  it('--set node.param=value overrides params and prints output paths', async () => {
    const file = write('chain.json', txt2imgChain({ text: 'original prompt' }).finalize());
    const r = await mysti(home, [
      'run',
      file,
      '--set',
      'prompt.text=a cat on a windowsill',
      '--set',
      'gen.seed=1234',
      '--set',
      'gen.steps=4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/completed/);
    const saved = /^saved: (.+)$/m.exec(r.stdout)?.[1];
    expect(saved).toBeDefined();
    expect(path.isAbsolute(saved!)).toBe(true);
    expect(saved!.startsWith(path.join(home.home, 'outputs'))).toBe(true);
    expect(fs.existsSync(saved!)).toBe(true);
    expect(r.stdout).toMatch(/^prompt\.text: "a cat on a windowsill"$/m);
    const genPath = /^gen\.image: (.+)$/m.exec(r.stdout)?.[1];
    expect(genPath && fs.existsSync(genPath)).toBe(true);

    const params = readPngTextFile(saved!).chunks.find((c) => c.keyword === 'parameters')!.text;
    expect(params).toMatch(/^a cat on a windowsill\n/);
    expect(params).toMatch(/Steps: 4,/);
    expect(params).toMatch(/Seed: 1234/);
  });

  it('--input sets App fields by the names the form shows; an unknown name is refused naming it', async () => {
    const file = write('app-chain.json', txt2imgChain({ text: 'original prompt' }).finalize());
    // Nothing exposed: the form is the Text to image defaults (Prompt, Model, …, Seed).
    const r = await mysti(home, [
      'run',
      file,
      '--input',
      'Prompt=a heron by the river',
      '--input',
      'Seed=77',
      '--input',
      'Steps=2',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^prompt\.text: "a heron by the river"$/m);
    const saved = /^saved: (.+)$/m.exec(r.stdout)![1]!;
    const params = readPngTextFile(saved).chunks.find((c) => c.keyword === 'parameters')!.text;
    expect(params).toMatch(/Steps: 2,/);
    expect(params).toMatch(/Seed: 77/);
    const bad = await mysti(home, ['run', file, '--input', 'Colour=blue']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('UNKNOWN_APP_INPUT');
    expect(bad.stderr).toContain('"Colour"');
  });

  it('with a studio serving the same data folder, submits to it over HTTP instead of opening the database', async () => {
    const served = await startTestStudio({ home, stepMs: 2 });
    try {
      const before = served.studio.store.runs.list(100).length;
      const r = await mysti(home, [
        'run',
        write('remote.json', txt2imgChain({ text: 'remote fox' }).finalize()),
        '--set',
        'gen.steps=3',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`queued on the studio at http://127.0.0.1:${served.port}`);
      expect(r.stderr).toMatch(/completed/);
      const runs = served.studio.store.runs.list(100);
      expect(runs.length).toBe(before + 1);
      expect(runs[0]!.status).toBe('completed');
      expect(r.stdout).toMatch(/^prompt\.text: "remote fox"$/m);
    } finally {
      await served.close();
    }
  });
});
