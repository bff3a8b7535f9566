import { describe, expect, it } from 'vitest';
import { deferredRequestLogger } from '../../src/api/request-log.js';
import { createLogger, type Logger } from '../../src/logger.js';

/** A root logger at `level` that keeps its lines, and counts the children made of it. */
function recordingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const root = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let childrenMade = 0;
  const parent = Object.create(root, {
    child: {
      value: (...args: Parameters<Logger['child']>) => {
        childrenMade++;
        return root.child(...args);
      },
    },
  }) as Logger;
  return { parent, lines, childrenMade: () => childrenMade };
}

describe("a request's logger", () => {
  it('writes lines bound to the request, at the levels the root logger writes', () => {
    const { parent, lines } = recordingLogger('info');
    const log = deferredRequestLogger(parent, { reqId: 'r-7' }, {});

    log.debug({ url: '/v1/jobs' }, 'request completed');
    log.info({ statusCode: 202 }, 'job submitted');
    log.child({ jobId: 'job_1' }).warn('slow');
    log.error(new Error('broken'), 'failed');

    expect(log.level).toBe('info');
    expect(lines.map(({ level, msg, reqId, jobId }) => ({ level, msg, reqId, jobId }))).toEqual([
      { level: 30, msg: 'job submitted', reqId: 'r-7', jobId: undefined },
      { level: 40, msg: 'slow', reqId: 'r-7', jobId: 'job_1' },
      { level: 50, msg: 'failed', reqId: 'r-7', jobId: undefined },
    ]);
    expect(lines[0].statusCode).toBe(202);
    expect(lines[2].err).toMatchObject({ message: 'broken' });
  });

  it('makes no pino child for a request that writes nothing at an enabled level', () => {
    const quiet = recordingLogger('info');
    const log = deferredRequestLogger(quiet.parent, { reqId: 'r-8' }, {});
    log.debug('poll answered');
    log.trace('detail');
    expect(quiet.childrenMade()).toBe(0);
    expect(quiet.lines).toEqual([]);

    const verbose = recordingLogger('debug');
    const logged = deferredRequestLogger(verbose.parent, { reqId: 'r-9' }, {});
    logged.debug('poll answered');
    logged.info('and more');
    expect(verbose.childrenMade()).toBe(1);
    expect(verbose.lines.map(({ msg, reqId }) => [msg, reqId])).toEqual([
      ['poll answered', 'r-9'],
      ['and more', 'r-9'],
    ]);
  });

  it("follows a route's own level at once", () => {
    const { parent, lines } = recordingLogger('info');
    const log = deferredRequestLogger(parent, { reqId: 'r-10' }, { level: 'debug' });
    log.debug('seen at this route');
    expect(lines.map(({ msg, reqId }) => [msg, reqId])).toEqual([['seen at this route', 'r-10']]);
  });
});
