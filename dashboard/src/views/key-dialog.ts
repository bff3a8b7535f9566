import { checkKey, type ApiError, type KeyPrompt } from '../api.js';
import { forgetKey, isKeyRemembered, saveKey, storedKey } from '../api-key.js';
import { field, h, replace } from '../dom.js';

export interface KeyDialog {
  /** Opens the dialog after a 401 and waits for the user's answer (see KeyPrompt). */
  readonly prompt: KeyPrompt;
  /** A new page was opened: a key may be asked for again even if the user declined before. */
  allowPrompts(): void;
}

export interface KeyDialogOptions {
  /** The header's "API key" entry; shown once the service is known to want keys. */
  readonly navItem: HTMLElement;
  /**
   * The key was saved or forgotten. `answeredPrompt` is true when requests were waiting for
   * it: they are sent again by themselves, and the page needs no reload.
   */
  readonly onChange: (answeredPrompt: boolean) => void;
}

/**
 * The API key form, in a modal dialog so that the page under it (a half-filled new-job form,
 * say) keeps its state while the user looks for a key. It opens by itself when the API
 * answers 401, and from the header's "API key" button; a key is checked with the service
 * before it is kept.
 */
export function createKeyDialog({ navItem, onChange }: KeyDialogOptions): KeyDialog {
  const keyInput = h('input', {
    type: 'password',
    name: 'api-key',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    autofocus: true,
  });
  const remember = h('input', { type: 'checkbox', name: 'remember' });
  const reason = h('p', { id: 'key-dialog-reason' });
  const refusal = h('div', { class: 'alert', role: 'alert', hidden: true });
  const status = h('p', { class: 'muted', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Use this key');
  const forget = h('button', { type: 'button', class: 'secondary' }, 'Forget key');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Close');

  const form = h(
    'form',
    { class: 'key-form', novalidate: true },
    h('h2', { id: 'key-dialog-title' }, 'API key'),
    reason,
    field(
      'API key',
      keyInput,
      'Sent as “Authorization: Bearer …” with each request, never in a URL.',
    ),
    h('label', { class: 'switch' }, remember, ' Remember on this device'),
    h(
      'small',
      { class: 'hint' },
      'Otherwise this tab forgets the key when it closes. Remembered keys ' +
        "stay in this browser's storage until you choose “Forget key”.",
    ),
    refusal,
    status,
    h('div', { class: 'actions' }, submit, forget, cancel),
  );
  const dialog = h(
    'dialog',
    {
      class: 'key-dialog',
      'aria-labelledby': 'key-dialog-title',
      'aria-describedby': 'key-dialog-reason',
    },
    form,
  );
  document.body.append(dialog);

  /** Requests waiting for a key: each resolves true once one is given, false if declined. */
  let waiting: ((answered: boolean) => void)[] = [];
  let declined = false;

  function show(reasonText: string): void {
    navItem.hidden = false;
    reason.textContent = reasonText;
    forget.hidden = storedKey() === null;
    if (dialog.open) return;
    keyInput.value = '';
    remember.checked = isKeyRemembered();
    refusal.hidden = true;
    status.textContent = '';
    dialog.showModal();
  }

  function settle(answered: boolean): void {
    const waiters = waiting;
    waiting = [];
    for (const resolve of waiters) resolve(answered);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    refusal.hidden = true;
    if (key === '') return showRefusal('Enter a key first.');

    submit.disabled = true;
    status.textContent = 'Checking the key…';
    const problem = await checkKey(key).catch((error: unknown) => error as Error);
    submit.disabled = false;
    status.textContent = '';
    if (problem) {
      return showRefusal(
        isUnauthorized(problem)
          ? `The service refused this key: ${problem.problem?.detail ?? problem.message}.`
          : `Could not check the key: ${problem.message}`,
      );
    }

    saveKey(key, remember.checked);
    const answeredPrompt = waiting.length > 0;
    settle(true);
    dialog.close();
    onChange(answeredPrompt);
  });

  forget.addEventListener('click', () => {
    forgetKey();
    forget.hidden = true;
    remember.checked = false;
    status.textContent = 'Forgotten: this browser holds no API key any more.';
    keyInput.focus();
    onChange(false);
  });

  cancel.addEventListener('click', () => dialog.close());
  // Closing without a key (Close, Escape) declines: the waiting requests fail with their 401,
  // and the dialog stays shut until the user opens another page or asks for it.
  dialog.addEventListener('close', () => {
    if (waiting.length === 0) return;
    declined = true;
    settle(false);
  });

  function showRefusal(text: string): void {
    replace(refusal, text);
    refusal.hidden = false;
    keyInput.setAttribute('aria-invalid', 'true');
    keyInput.focus();
    keyInput.select();
  }
  keyInput.addEventListener('input', () => keyInput.removeAttribute('aria-invalid'));

  navItem.querySelector('button')?.addEventListener('click', () => {
    show(
      storedKey() === null
        ? 'Enter the API key this service gave you.'
        : 'This browser holds a key. Enter another to replace it, or forget it.',
    );
  });
  if (storedKey() !== null) navItem.hidden = false;

  return {
    prompt(error: ApiError, sentKey: string | null): Promise<boolean> {
      navItem.hidden = false;
      if (declined) return Promise.resolve(false);
      show(
        sentKey === null
          ? 'This service asks for an API key. Enter yours to see and start your jobs.'
          : `The service refused the key this browser holds (${error.problem?.detail ?? error.message}). ` +
              'Enter another.',
      );
      return new Promise((resolve) => waiting.push(resolve));
    },
    allowPrompts() {
      declined = false;
    },
  };
}

function isUnauthorized(error: Error): error is ApiError {
  return 'status' in error && (error as ApiError).status === 401;
}
