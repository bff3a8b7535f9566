import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { jobPageView } from './views/job-page.js';
import { jobsListView } from './views/jobs-list.js';
import { newJobView } from './views/new-job.js';

/**
 * The dashboard's entry: a hash router over three views (#/, #/new, #/jobs/{id}). The hash
 * keeps the server to one page at `/`; each view returns how to stop its timers and streams.
 */
const main = document.getElementById('main')!;
let leave: () => void = () => undefined;

function route(): void {
  leave();
  const path = location.hash.replace(/^#/, '') || '/';
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

window.addEventListener('hashchange', route);
route();
