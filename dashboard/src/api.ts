import type { Dataset, Job, Model, Problem } from './types.js';

/** An answer of the API that is not a success, with its problem+json body when it has one. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem | null, message: string) {
    super(message);
  }

  /** A 404 for the route itself (not for a missing job): the server does not have this route. */
  get isMissingRoute(): boolean {
    return this.status === 404 && (this.problem?.detail ?? '').startsWith('no route for');
  }
}

async function request<T>(method: string, url: string, body?: { type: string; text: string }): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { accept: 'application/json', ...(body ? { 'content-type': body.type } : {}) },
    body: body?.text,
  });
  if (response.ok) return (await response.json()) as T;
  throw await toApiError(response);
}

export async function toApiError(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const problem = (await response.json().catch(() => null)) as Problem | null;
    if (problem?.detail) return new ApiError(response.status, problem, problem.detail);
  }
  return new ApiError(response.status, null, `${response.status} ${response.statusText}`);
}

export const api = {
  listJobs: (limit = 50) => request<{ items: Job[] }>('GET', `/v1/jobs?limit=${limit}`),
  getJob: (id: string) => request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`),
  cancelJob: (id: string) => request<Job>('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`),
  submitJob: (body: unknown) =>
    request<Job>('POST', '/v1/jobs', { type: 'application/json', text: JSON.stringify(body) }),

  /** The final model, or while the job runs its newest checkpoint. */
  getModel: (id: string, running: boolean) =>
    request<Model>('GET', `/v1/jobs/${encodeURIComponent(id)}/model${running ? '?checkpoint=latest' : ''}`),

  /** A JSON body `{ inputs, targets | labels }`, or CSV whose target columns are named. */
  uploadDataset: (text: string, format: 'json' | 'csv', targets: string, name: string) => {
    if (format === 'json') {
      const body = { ...(JSON.parse(text) as object), ...(name ? { name } : {}) };
      return request<Dataset>('POST', '/v1/datasets', { type: 'application/json', text: JSON.stringify(body) });
    }
    const query = new URLSearchParams({ targets, ...(name ? { name } : {}) });
    return request<Dataset>('POST', `/v1/datasets?${query}`, { type: 'text/csv', text });
  },

  /** The DOT text of the job's computational graph. */
  async getGraphDot(id: string): Promise<string> {
    const response = await fetch(`/v1/jobs/${encodeURIComponent(id)}/graph?format=dot`,
      { headers: { accept: 'text/vnd.graphviz, text/plain, application/json' } });
    if (!response.ok) throw await toApiError(response);
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      const body = (await response.json()) as { dot?: unknown };
      if (typeof body.dot === 'string') return body.dot;
      throw new Error('the graph route answered JSON without a `dot` field');
    }
    return response.text();
  },
};

export const downloads = (id: string) => {
  const base = `/v1/jobs/${encodeURIComponent(id)}`;
  return [
    { label: 'Model (JSON: W, b)', href: `${base}/model` },
    { label: 'ONNX model', href: `${base}/model.onnx` },
    { label: 'TensorFlow.js model', href: `${base}/tfjs/model.json` },
    { label: 'History (JSON)', href: `${base}/history?limit=500` },
  ];
};
