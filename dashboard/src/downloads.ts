import { authorizedFetch, toApiError } from './api.js';
import { storedKey } from './api-key.js';
import { h } from './dom.js';

/** A file of a job the dashboard offers, and the name it is saved under. */
export interface Download {
  readonly label: string;
  readonly href: string;
  readonly filename: string;
}

export function jobDownloads(jobId: string): Download[] {
  const base = `/v1/jobs/${encodeURIComponent(jobId)}`;
  return [
    { label: 'Model (JSON: W, b)', href: `${base}/model`, filename: `${jobId}.json` },
    { label: 'ONNX model', href: `${base}/model.onnx`, filename: `${jobId}.onnx` },
    // TF.js finds the weights by the name model.json gives them, relative to it: keep both
    // names as the service serves them, so that the two files work from one folder.
    { label: 'TensorFlow.js model', href: `${base}/tfjs/model.json`, filename: 'model.json' },
    {
      label: 'History (JSON)',
      href: `${base}/history?limit=500`,
      filename: `${jobId}-history.json`,
    },
  ];
}

export function tfjsWeightsDownload(jobId: string): Download {
  return {
    label: 'weights.bin',
    href: `/v1/jobs/${encodeURIComponent(jobId)}/tfjs/weights.bin`,
    filename: 'weights.bin',
  };
}

/** How long a downloaded file's object URL is kept: the browser has read it well before. */
const OBJECT_URL_LIFETIME_MS = 60_000;

/**
 * A download link. Without a key it is a plain link, which the browser follows by itself. With
 * one, a click fetches the file with the `Authorization` header instead (a link cannot carry
 * it, and the key must not go in the URL) and hands it over as a Blob object URL.
 */
export function downloadLink(
  download: Download,
  onError: (error: unknown) => void,
): HTMLAnchorElement {
  const link = h('a', { href: download.href, download: download.filename }, download.label);
  link.addEventListener('click', (event) => {
    if (storedKey() === null) return;
    event.preventDefault();
    link.setAttribute('aria-busy', 'true');
    fetchAndSave(download)
      .catch(onError)
      .finally(() => link.removeAttribute('aria-busy'));
  });
  return link;
}

async function fetchAndSave(download: Download): Promise<void> {
  const response = await authorizedFetch(download.href);
  if (!response.ok) throw await toApiError(response);
  const blob = await response.blob();

  const url = URL.createObjectURL(blob);
  const anchor = h('a', {
    href: url,
    download: filenameOf(response) ?? download.filename,
    hidden: true,
  });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
}

/** The name in `Content-Disposition: attachment; filename="…"`, without any folder part. */
function filenameOf(response: Response): string | null {
  const header = response.headers.get('content-disposition') ?? '';
  const match = /filename="([^"]+)"|filename=([^;\s]+)/i.exec(header);
  const name = (match?.[1] ?? match?.[2] ?? '').split(/[/\\]/).pop() ?? '';
  return name === '' ? null : name;
}
