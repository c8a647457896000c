/**
 * Web attack surface on a real server (anchors-reliability.md §7.4 S1–S3): DNS rebinding (Host),
 * cross-site requests (Origin, `Origin: null`, Sec-Fetch-Site), WebSocket upgrades from a foreign
 * origin, path traversal through every route that names a file, symlink escapes, body limits.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { makeTempHome, type TempHome } from '../helpers/temp-home';
import { connectWs } from '../helpers/ws';

const LIMIT = 256 * 1024;

describe('security: web surface', () => {
  let home: TempHome;
  let s: TestStudio;
  /** A file outside the data directory that nothing may ever serve. */
  let canary: string;
  const CANARY_TEXT = `canary-${randomUUID()}`;

  beforeAll(async () => {
    home = makeTempHome();
    fs.writeFileSync(
      path.join(home.home, 'config.json'),
      JSON.stringify({ maxBodyBytes: LIMIT, allowedOrigins: ['http://localhost:5173'] }),
    );
    canary = path.join(path.dirname(home.home), `${path.basename(home.home)}-canary.png`);
    fs.writeFileSync(canary, CANARY_TEXT);
    s = await startTestStudio({ home });
  });
  afterAll(async () => {
    await s?.close();
    home?.cleanup();
    fs.rmSync(canary, { force: true });
  });

  describe('Host header (DNS rebinding)', () => {
    it.each(['evil.com', 'evil.com:1234', 'localhost.evil.com', '127.0.0.1.nip.io'])(
      'Host "%s" → 403',
      async (host) => {
        const r = await s.http.get('/api/health', { headers: { host } });
        expect(r.status).toBe(403);
        expect(r.json.error.code).toBe('FORBIDDEN_HOST');
      },
    );
    it('an empty Host and an HTTP/1.0 request without Host → 403', async () => {
      for (const req of [
        'GET /api/health HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n',
        'GET /api/health HTTP/1.0\r\n\r\n',
      ]) {
        expect(await rawExchange(s.port, [req])).toMatch(/^HTTP\/1\.1 403 /);
      }
    });
    it.each(['localhost', 'LOCALHOST:1234', '127.0.0.1', '[::1]:80'])(
      'Host "%s" is served',
      async (host) => {
        expect((await s.http.get('/api/health', { headers: { host } })).status).toBe(200);
      },
    );
  });

  describe('cross-site state changes', () => {
    const graph = new GraphBuilder().finalize();
    it.each([
      ['Origin: http://evil.com', { origin: 'http://evil.com' }],
      ['Origin: null', { origin: 'null' }],
      ['Origin: http://localhost.evil.com', { origin: 'http://localhost.evil.com' }],
      ['Origin: file://', { origin: 'file://' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      // Another local port is another origin (issue 18 #7).
      ['Origin: http://127.0.0.1:9999', { origin: 'http://127.0.0.1:9999' }],
      ['Origin: http://localhost:3000', { origin: 'http://localhost:3000' }],
      ['Origin: https on the studio port', { origin: 'https://localhost:PORT' }],
    ])('%s → 403 on POST, PUT and DELETE, nothing written', async (_label, h) => {
      const headers: Record<string, string> = Object.fromEntries(
        Object.entries(h).map(([k, v]) => [k, v.replace('PORT', String(s.port))]),
      );
      const before = s.studio.store.runs.list(1000).length;
      const post = await s.http.post('/api/runs', { graph }, { headers });
      expect(post.status).toBe(403);
      expect(post.json.error.code).toBe('FORBIDDEN_ORIGIN');
      expect((await s.http.post('/api/graphs', { graph }, { headers })).status).toBe(403);
      expect((await s.http.put('/api/graphs/x', { graph }, { headers })).status).toBe(403);
      expect((await s.http.del('/api/graphs/x', { headers })).status).toBe(403);
      expect(s.studio.store.runs.list(1000).length).toBe(before);
      expect(s.studio.store.graphs.list(100).length).toBe(0);
    });
    it('the studio’s own origin may POST', async () => {
      for (const origin of [`http://127.0.0.1:${s.port}`, `http://localhost:${s.port}`]) {
        const r = await s.http.post(
          '/api/graphs',
          { graph },
          { headers: { origin, 'sec-fetch-site': 'same-origin' } },
        );
        expect(r.status, origin).toBe(201);
        expect((await s.http.del(`/api/graphs/${r.json.id}`, { headers: { origin } })).status).toBe(
          204,
        );
      }
    });
    it('an origin listed in config.json allowedOrigins may POST (e.g. the Vite dev server)', async () => {
      const r = await s.http.post(
        '/api/graphs',
        { graph },
        { headers: { origin: 'http://localhost:5173' } },
      );
      expect(r.status).toBe(201);
      expect(
        (
          await s.http.del(`/api/graphs/${r.json.id}`, {
            headers: { origin: 'http://localhost:5173' },
          })
        ).status,
      ).toBe(204);
    });
  });

  describe('framing (clickjacking)', () => {
    it('every response forbids framing: CSP frame-ancestors none + X-Frame-Options DENY', async () => {
      for (const p of ['/', '/api/health', '/api/nope']) {
        const r = await s.http.get(p);
        expect(r.headers['content-security-policy'], p).toMatch(/frame-ancestors 'none'/);
        expect(r.headers['x-frame-options'], p).toBe('DENY');
      }
      const refused = await s.http.post(
        '/api/runs',
        { graph: new GraphBuilder().finalize() },
        { headers: { origin: 'http://evil.com' } },
      );
      expect(refused.headers['x-frame-options']).toBe('DENY');
    });
  });

  describe('WebSocket upgrades', () => {
    it.each([
      ['a foreign Origin', { origin: 'http://evil.com' }],
      ['Origin: null', { origin: 'null' }],
      ['a foreign Host', { host: 'evil.com' }],
      ['another local port (127.0.0.1:9999)', { origin: 'http://127.0.0.1:9999' }],
      ['another local port (localhost:3000)', { origin: 'http://localhost:3000' }],
    ])('from %s are refused with 403', async (_label, headers) => {
      await expect(connectWs(s.port, '/ws', headers)).rejects.toMatchObject({ status: 403 });
    });
    it('from the studio’s own origin are accepted', async () => {
      const c = await connectWs(s.port, '/ws', { origin: `http://localhost:${s.port}` });
      expect((await c.next((m) => m.type === 'hello')).seq).toBeTypeOf('number');
      await c.close();
    });
  });

  describe('path traversal', () => {
    it.each([
      '/api/previews/..%2f..%2fetc%2fpasswd',
      '/api/previews/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/previews/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/api/previews/%252e%252e%252fetc%252fpasswd',
      '/api/previews/..%5c..%5cetc%5cpasswd',
      '/api/previews/%2fetc%2fpasswd',
      '/api/previews/x%00.png',
      '/api/artifacts/..%2f..%2fetc%2fpasswd',
      '/api/artifacts/%2fetc%2fpasswd',
    ])('%s is refused', async (p) => {
      const r = await s.http.get(p);
      expect([400, 403, 404, 415]).toContain(r.status);
      expect(r.text).not.toMatch(/root:.*:0:0:/);
      expect(r.headers['content-type']).not.toBe('image/png');
    });

    it('an unencoded ../ is normalized away by URL parsing and never reaches a file', async () => {
      const r = await s.http.get('/api/previews/../../etc/passwd');
      expect(r.text).not.toMatch(/root:.*:0:0:/);
      expect(r.headers['content-type']).not.toBe('image/png');
    });

    it('the canary outside the data directory is never served through previews', async () => {
      const rel = path.relative(path.join(home.home, 'tmp', 'previews'), canary);
      const r = await s.http.get(`/api/previews/${encodeURIComponent(rel)}`);
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('PATH_OUTSIDE_ROOT');
      expect(r.text).not.toContain(CANARY_TEXT);
    });

    it('an artifact row pointing outside the data directory (tampered DB, symlink) is not served', async () => {
      const store = s.studio.store;
      const run = store.runs.create({ id: randomUUID(), graph: { nodes: [] } });
      store.runs.markFinished(run.id, 'completed');
      const link = path.join(home.home, 'artifacts', 'evil-link.png');
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(canary, link);
      const rows = [
        { id: randomUUID(), p: path.relative(home.home, canary) }, // ../<name>-canary.png
        { id: randomUUID(), p: canary }, // absolute
        { id: randomUUID(), p: 'artifacts/evil-link.png' }, // symlink inside → outside
      ];
      store.artifacts.insertMany(
        rows.map((r) => ({
          id: r.id,
          kind: 'image' as const,
          runId: run.id,
          nodeId: 'x',
          port: 'image',
          path: r.p,
          parents: [],
        })),
      );
      for (const r of rows) {
        const res = await s.http.get(`/api/artifacts/${r.id}`);
        expect(res.status, r.p).toBe(403);
        expect(res.json.error.code).toBe('PATH_OUTSIDE_ROOT');
        expect(res.text).not.toContain(CANARY_TEXT);
      }
    });

    it('load-image with a path outside the data directory fails with PATH_OUTSIDE_ROOT', async () => {
      const link = path.join(home.home, 'outputs', 'escape.png');
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(canary, link);
      for (const source of [
        '../../etc/passwd',
        '/etc/passwd',
        path.relative(home.home, canary),
        canary,
        'outputs/escape.png',
        'outputs/../../x.png',
      ]) {
        const g = new GraphBuilder();
        const l = g.node('load-image', { source }, {}, 'load');
        g.node('save', {}, { image: l.out('image') }, 'save');
        const r = await s.run(g.finalize());
        expect(r.status, source).toBe('failed');
        expect(r.view.nodes.load.error.code, source).toBe('PATH_OUTSIDE_ROOT');
        expect(r.view.error.code).toBe('PATH_OUTSIDE_ROOT');
        expect(r.didRun('save')).toBe(false);
      }
    });
  });

  describe('body limits', () => {
    it('a body over the limit → 413 with the error shape, nothing written', async () => {
      const before = s.studio.store.runs.list(1000).length;
      const big = JSON.stringify({
        graph: { format: 'mysticanvas.graph', version: 1, nodes: [], name: 'x'.repeat(LIMIT) },
      });
      const r = await s.http.post('/api/runs', big);
      expect(r.status).toBe(413);
      expect(r.json.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(s.studio.store.runs.list(1000).length).toBe(before);
    });

    it('a chunked body (no Content-Length) over the limit → 413 too', async () => {
      const chunk = 'a'.repeat(64 * 1024);
      const parts = [
        `POST /api/graphs HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ...Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`),
        '0\r\n\r\n',
      ];
      const res = await rawExchange(s.port, parts);
      expect(res).toMatch(/^HTTP\/1\.1 413 /);
      expect(res).toContain('PAYLOAD_TOO_LARGE');
      expect(s.studio.store.graphs.list(100).length).toBe(0);
    });
  });
});

/**
 * Writes `parts` to a raw TCP connection (20 ms apart, stopping if the server closes) and returns
 * everything the server answered. Lets a test send what node:http refuses to (empty Host,
 * HTTP/1.0) and see a response the server sends before it read the whole body.
 */
function rawExchange(port: number, parts: string[]): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const c = net.connect(port, '127.0.0.1', async () => {
      for (const p of parts) {
        if (c.destroyed || c.writableEnded) break;
        c.write(p);
        await new Promise((r) => setTimeout(r, 20));
      }
      if (!c.destroyed) c.end();
    });
    c.on('data', (d) => (data += d));
    c.on('close', () => resolve(data));
    c.on('error', () => resolve(data));
  });
}
