import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { setKeyPrompt } from './api.js';
import { jobPageView } from './views/job-page.js';
import { jobsListView } from './views/jobs-list.js';
import { createKeyDialog } from './views/key-dialog.js';
import { newJobView } from './views/new-job.js';

/**
 * The dashboard's entry: a hash router over three views (#/, #/new, #/jobs/{id}). The hash
 * keeps the server to one page at `/`; each view returns how to stop its timers and streams.
 */
const main = document.getElementById('main')!;
let leave: () => void = () => undefined;

const keyDialog = createKeyDialog({
  navItem: document.getElementById('key-nav')!,
  onChange: (answeredPrompt) => {
    // A page shows what the key's tenant may see, so a new key (or none) shows it again. Not
    // when requests were waiting for the key (they go on by themselves), and not the new-job
    // form: it read nothing with the key, and may hold the user's typing.
    if (!answeredPrompt && currentPath() !== '/new') route({ isReload: true });
  },
});
setKeyPrompt(keyDialog.prompt);

function currentPath(): string {
  return location.hash.replace(/^#/, '') || '/';
}

function route({ isReload = false } = {}): void {
  leave();
  keyDialog.allowPrompts();
  const path = currentPath();
  const job = /^\/jobs\/([A-Za-z0-9_-]+)$/.exec(path);
  if (job) {
    document.title = `${job[1]} · Chainrule`;
    leave = jobPageView(main, job[1]);
  } else if (path === '/new') {
    document.title = 'New job · Chainrule';
    leave = newJobView(main);
  } else {
    document.title = 'Jobs · Chainrule';
    leave = jobsListView(main);
  }
  markCurrentLink(path);
  if (isReload) return; // the same page again: focus and scroll stay where the user is
  // Moves keyboard and screen-reader focus to the new view, as a page load would.
  if (document.activeElement !== document.body) main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function markCurrentLink(path: string): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[href^="#"]')) {
    if (link.getAttribute('href') === `#${path}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

window.addEventListener('hashchange', () => route());
route();
