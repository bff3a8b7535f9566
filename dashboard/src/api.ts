import { keyHeaders, storedKey } from './api-key.js';
import type { Dataset, HistoryItem, Job, Model, Problem } from './types.js';

/** An answer of the API that is not a success, with its problem+json body when it has one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
  }

  /** A 404 for the route itself (not for a missing job): the server does not have this route. */
  get isMissingRoute(): boolean {
    return this.status === 404 && (this.problem?.detail ?? '').startsWith('no route for');
  }
}

/**
 * Asks the user for an API key after a 401; resolves to true once a key was given (the request
 * is then sent again), false when they declined.
 */
export type KeyPrompt = (refusal: ApiError, sentKey: string | null) => Promise<boolean>;

let keyPrompt: KeyPrompt = async () => false;

/** Installs what a 401 does; without one, a 401 is an error like any other. */
export function setKeyPrompt(prompt: KeyPrompt): void {
  keyPrompt = prompt;
}

/**
 * After a 401 to a request sent with `sentKey`: true when it is worth sending again, because
 * the key changed meanwhile (another request's prompt was answered) or the user gave one now.
 */
export async function recoverFromUnauthorized(
  refusal: ApiError,
  sentKey: string | null,
): Promise<boolean> {
  if (storedKey() !== sentKey) return true;
  return keyPrompt(refusal, sentKey);
}

/**
 * fetch with `Authorization: Bearer <key>` when a key is set. A 401 asks for a key and sends
 * the request again with it; it is an ApiError only once the user declines. Sending a POST
 * twice is safe here: the service answers 401 before any route runs, and bodies are strings.
 */
export async function authorizedFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  for (;;) {
    const key = storedKey();
    const response = await fetch(url, {
      ...init,
      headers: { ...init.headers, ...keyHeaders(key) },
    });
    if (response.status !== 401) return response;
    const refusal = await toApiError(response);
    if (!(await recoverFromUnauthorized(refusal, key))) throw refusal;
  }
}

async function request<T>(
  method: string,
  url: string,
  body?: { type: string; text: string },
): Promise<T> {
  const response = await authorizedFetch(url, {
    method,
    headers: { accept: 'application/json', ...(body ? { 'content-type': body.type } : {}) },
    body: body?.text,
  });
  if (response.ok) return (await response.json()) as T;
  throw await toApiError(response);
}

export async function toApiError(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? '';
  const problem = type.includes('json')
    ? ((await response.json().catch(() => null)) as Problem | null)
    : null;
  const detail = problem?.detail || `${response.status} ${response.statusText}`;
  // Shown where the user declined to give a key: say where to give one. The problem's own
  // detail speaks to API clients ("send … as Authorization: Bearer <key>"), not to people.
  const message =
    response.status === 401
      ? 'this service needs a valid API key; choose “API key” at the top of the page'
      : detail;
  return new ApiError(response.status, problem?.detail ? problem : null, message);
}

/**
 * Whether the service accepts `key`, asked with one small list request outside the 401 prompt.
 * Resolves to null when it does (a 429 too: the rate limit counts only known keys).
 */
export async function checkKey(key: string): Promise<ApiError | null> {
  const response = await fetch('/v1/jobs?limit=1', {
    headers: { accept: 'application/json', ...keyHeaders(key) },
  });
  if (response.ok || response.status === 429) return null;
  return toApiError(response);
}

export const api = {
  listJobs: (limit = 50) => request<{ items: Job[] }>('GET', `/v1/jobs?limit=${limit}`),
  getJob: (id: string) => request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`),
  /** A page of the history; with `every` > 1 only the epochs that are multiples of it. */
  getHistory: (id: string, query: { after: number; limit: number; every: number }) =>
    request<{ items: HistoryItem[]; nextAfter: number | null }>(
      'GET',
      `/v1/jobs/${encodeURIComponent(id)}/history?after=${query.after}&limit=${query.limit}` +
        `&every=${query.every}`,
    ),
  cancelJob: (id: string) => request<Job>('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`),
  submitJob: (body: unknown) =>
    request<Job>('POST', '/v1/jobs', { type: 'application/json', text: JSON.stringify(body) }),

  /** The final model, or while the job runs its newest checkpoint. */
  getModel: (id: string, running: boolean) =>
    request<Model>(
      'GET',
      `/v1/jobs/${encodeURIComponent(id)}/model${running ? '?checkpoint=latest' : ''}`,
    ),

  /** A JSON body `{ inputs, targets | labels }`, or CSV whose target columns are named. */
  uploadDataset: (text: string, format: 'json' | 'csv', targets: string, name: string) => {
    if (format === 'json') {
      const body = { ...(JSON.parse(text) as object), ...(name ? { name } : {}) };
      return request<Dataset>('POST', '/v1/datasets', {
        type: 'application/json',
        text: JSON.stringify(body),
      });
    }
    const query = new URLSearchParams({ targets, ...(name ? { name } : {}) });
    return request<Dataset>('POST', `/v1/datasets?${query}`, { type: 'text/csv', text });
  },

  /** The DOT text of the job's computational graph. */
  async getGraphDot(id: string): Promise<string> {
    const response = await authorizedFetch(`/v1/jobs/${encodeURIComponent(id)}/graph?format=dot`, {
      headers: { accept: 'text/vnd.graphviz, text/plain, application/json' },
    });
    if (!response.ok) throw await toApiError(response);
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      const body = (await response.json()) as { dot?: unknown };
      if (typeof body.dot === 'string') return body.dot;
      throw new Error('the graph route answered JSON without a `dot` field');
    }
    return response.text();
  },
};
