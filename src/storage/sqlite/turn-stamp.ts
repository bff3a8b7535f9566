/**
 * A change stamp read at most once per turn of the event loop, unless this process writes.
 *
 * Reading the wal-index (see WalIndexStamp) is a system call, and on a virtual machine with
 * today's side-channel mitigations a system call costs far more than its own few microseconds:
 * the code after it runs slower too. Per poll it was a fifth of the main thread's time. Polls
 * that arrive together are answered in one turn of the event loop, so they now share one read.
 *
 * Why that loses no commit a client could expect to see:
 * - This process's own commits are counted by the connection (`ownChanges`, SQLite's
 *   total_changes, read without a system call); any change since the last read reads again.
 * - Another process's commit shows from the next turn on. Every request answered in a turn was
 *   received before the turn began (the sockets ready when it began are the ones read in it), so
 *   a commit that ended before a client sent its request also ended before the read. The one
 *   exception is a client that pipelines: a request sent before the answer to the previous one
 *   on its connection may arrive, and be read, while the turn runs.
 */
export class TurnStamp {
  private stamp: string | null = null;
  private ownChangesAtRead = -1;
  private readonly endTurn = (): void => {
    this.stamp = null;
  };

  constructor(
    private readonly readStamp: () => string,
    private readonly ownChanges: () => number,
  ) {}

  read(): string {
    const changes = this.ownChanges();
    if (this.stamp !== null && changes === this.ownChangesAtRead) return this.stamp;

    // An immediate runs once the event loop has handled every socket that was ready: the turn
    // is then over. One is already pending when this process wrote during the turn.
    if (this.stamp === null) setImmediate(this.endTurn);
    this.stamp = this.readStamp();
    this.ownChangesAtRead = changes;
    return this.stamp;
  }
}
