/**
 * A change stamp read at most once per turn of the event loop.
 *
 * Reading the wal-index (see WalIndexStamp) is a system call. Measured on a 2-vCPU virtual
 * machine, service and client each on a CPU of its own, a poll took 10 µs less of the main
 * thread without it, a fifth of the whole and more than twice the read's own time: the code
 * after a system call runs slower too. Polls that arrive together are answered in one turn of
 * the event loop, so they now share one read.
 *
 * Why that loses no commit a client could expect to see: a commit, by this process or another,
 * shows from the next turn on. Every request answered in a turn was received before the turn
 * began (the sockets ready when it began are the ones read in it), so a commit that ended before
 * a client sent its request also ended before the read; one that ends during the turn, even
 * this process's own, ends while the request is already waiting, and either order is then a
 * true answer. The one exception is a client that pipelines: a request sent before the answer
 * to the previous one on its connection may arrive, and be read, while the turn runs.
 */
export class TurnStamp {
  private stamp: string | null = null;
  private readonly endTurn = (): void => {
    this.stamp = null;
  };

  constructor(private readonly readStamp: () => string) {}

  read(): string {
    if (this.stamp !== null) return this.stamp;

    // An immediate runs once the event loop has handled every socket that was ready: the turn
    // is then over.
    setImmediate(this.endTurn);
    this.stamp = this.readStamp();
    return this.stamp;
  }
}
