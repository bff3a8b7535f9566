import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Identifies this process as a lease owner: host, pid and a random instance tag. */
export interface OwnerIdentity {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

export function currentOwner(): OwnerIdentity {
  const host = hostname();
  return { id: `${host}/${process.pid}/${randomBytes(4).toString('hex')}`, host, pid: process.pid };
}

/**
 * True when `owner` names a process on this host that no longer exists, so its jobs can be
 * taken back at once instead of after their lease runs out. A pid reused by another program
 * (or by this very process, as PID 1 in a container) is treated as dead unless it is us with
 * the same instance tag.
 */
export function isDeadLocalOwner(owner: string, self: OwnerIdentity): boolean {
  const [host, pidText] = owner.split('/');
  if (host !== self.host || owner === self.id) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === self.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else: not our dead process, so leave it to
    // the lease.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
