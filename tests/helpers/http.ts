/**
 * A tiny HTTP client over node:http for tests. Unlike fetch it lets a test set any `Host`,
 * `Origin` or `Sec-Fetch-Site` header (fetch forbids some of them), send raw bytes, and read
 * a status without throwing.
 */
import http from 'node:http';

export interface HttpResponse<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Raw body bytes. */
  bytes: Buffer;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: T;
  text: string;
}

export interface RequestOptions {
  /** Serialized as JSON unless it is a Buffer/string (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Sends one request to 127.0.0.1:`port`. Never rejects on an HTTP error status. */
export function request<T = any>(
  port: number,
  method: string,
  urlPath: string,
  o: RequestOptions = {},
): Promise<HttpResponse<T>> {
  let payload: Buffer | undefined;
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...o.headers };
  if (o.body !== undefined) {
    payload = Buffer.isBuffer(o.body)
      ? o.body
      : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers, timeout: o.timeoutMs ?? 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, json, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    // A server may answer (413) and close before reading a large body, so a write error (EPIPE,
    // ECONNRESET) can arrive just before the response: give the response a moment to win.
    req.on('error', (err) => setTimeout(() => reject(err), 300));
    req.end(payload);
  });
}

/** A client bound to one port. */
export function client(port: number) {
  return {
    get: <T = any>(p: string, o?: RequestOptions) => request<T>(port, 'GET', p, o),
    post: <T = any>(p: string, body?: unknown, o?: RequestOptions) =>
      request<T>(port, 'POST', p, { ...o, body }),
    put: <T = any>(p: string, body?: unknown, o?: RequestOptions) =>
      request<T>(port, 'PUT', p, { ...o, body }),
    del: <T = any>(p: string, o?: RequestOptions) => request<T>(port, 'DELETE', p, o),
  };
}

export type Client = ReturnType<typeof client>;
