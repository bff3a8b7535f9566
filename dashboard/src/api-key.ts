/**
 * The API key the dashboard sends as `Authorization: Bearer <key>`. It lives in sessionStorage
 * (gone when the tab closes) unless the user asked to be remembered on this device, then in
 * localStorage. It is never put in a URL, where servers and proxies would log it.
 *
 * Anything running in the page can read web storage; what keeps foreign scripts out is the
 * service's Content-Security-Policy (scripts from its own origin only) and the dashboard never
 * inserting text as HTML.
 */

const STORAGE_KEY = 'chainrule.apiKey';

/** When storage is unavailable (disabled, or a private mode that throws), the key lives here. */
let inMemory: string | null = null;
const listeners = new Set<() => void>();

export function storedKey(): string | null {
  return read(sessionStorageOrNull()) ?? read(localStorageOrNull()) ?? inMemory;
}

/** True when the key is kept on this device beyond the tab (localStorage). */
export function isKeyRemembered(): boolean {
  return read(localStorageOrNull()) !== null;
}

/** Keeps `key` for this tab, or on this device when `remember`; the other place is cleared. */
export function saveKey(key: string, remember: boolean): void {
  const [keep, clear] = remember
    ? [localStorageOrNull(), sessionStorageOrNull()]
    : [sessionStorageOrNull(), localStorageOrNull()];
  remove(clear);
  inMemory = write(keep, key) ? null : key;
  notify();
}

/** Forgets the key everywhere it may be kept. */
export function forgetKey(): void {
  remove(sessionStorageOrNull());
  remove(localStorageOrNull());
  inMemory = null;
  notify();
}

/** The `Authorization` header for the stored key, or none. */
export function keyHeaders(key = storedKey()): Record<string, string> {
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

/** Calls `listener` after the key is saved or forgotten; returns how to stop. */
export function onKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of [...listeners]) listener();
}

function read(storage: Storage | null): string | null {
  try {
    return storage?.getItem(STORAGE_KEY) || null;
  } catch {
    return null;
  }
}

function write(storage: Storage | null, key: string): boolean {
  try {
    if (!storage) return false;
    storage.setItem(STORAGE_KEY, key);
    return true;
  } catch {
    return false;
  }
}

function remove(storage: Storage | null): void {
  try {
    storage?.removeItem(STORAGE_KEY);
  } catch {
    // unavailable storage holds nothing to remove
  }
}

// Merely reading `window.localStorage` throws where storage is disabled.
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
