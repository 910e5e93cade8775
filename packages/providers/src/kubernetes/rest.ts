import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A Kubernetes API error carrying the HTTP status (404, 409, 410, ...). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${method} ${path}: HTTP ${statusCode}${reason ? `: ${reason}` : ''}`);
    this.name = 'KubeApiError';
  }
}

export function isStatus(error: unknown, code: number): boolean {
  if (error instanceof KubeApiError) return error.statusCode === code;
  if (typeof error === 'object' && error !== null) {
    const record = error as { statusCode?: unknown; code?: unknown };
    return record.statusCode === code || record.code === code;
  }
  return false;
}

export type JsonObject = Record<string, unknown>;

export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/**
 * Plain JSON REST calls against the API server, authenticated by the same
 * KubeConfig the informers use. Objects stay as the server sent them (no model
 * classes, no Date conversion), so list results and watch events have one shape.
 */
export class KubeRest {
  /**
   * `timeoutMs`: how long a request may go unanswered before it fails. An API server instance
   * that dies without closing its connections would otherwise hang the caller for good (a
   * status write holding back the next build, a lease renewal keeping a leader that lost).
   */
  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly timeoutMs = 30_000,
  ) {}

  /** The same client with another request timeout. */
  withTimeout(timeoutMs: number): KubeRest {
    return new KubeRest(this.kubeConfig, timeoutMs);
  }

  get<T = JsonObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  create<T = JsonObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  replace<T = JsonObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T = JsonObject>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.request<T>('PATCH', path, body, PATCH_CONTENT_TYPES[type]);
  }

  delete<T = JsonObject>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    const options: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
    const secure = url.protocol === 'https:';
    if (!secure) delete options.agent;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { ...(options.headers as http.OutgoingHttpHeaders | undefined), accept: 'application/json' };
    if (payload) {
      headers['content-type'] = contentType;
      headers['content-length'] = payload.length;
    }
    return new Promise<T>((resolve, reject) => {
      const request = (secure ? https : http).request(url, { ...options, method, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new KubeApiError(status, method, url.pathname, reasonOf(text)));
            return;
          }
          try {
            resolve((text ? JSON.parse(text) : {}) as T);
          } catch (error) {
            reject(new Error(`${method} ${url.pathname}: response is not JSON: ${(error as Error).message}`));
          }
        });
      });
      request.on('error', reject);
      request.setTimeout(this.timeoutMs, () => {
        request.destroy(new Error(`${method} ${url.pathname}: no answer within ${this.timeoutMs} ms`));
      });
      if (payload) request.write(payload);
      request.end();
    });
  }
}

function reasonOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
    if (typeof parsed.reason === 'string') return parsed.reason;
  } catch {
    // not a Status object
  }
  return text.slice(0, 200);
}
