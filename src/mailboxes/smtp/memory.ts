// The memory DaTamer's own address lets messages hold, all clients together
// (DATAMER_SMTP_DATA_MEMORY, docs/operations.md). Two kinds of holder:
//
//   - a message being received takes room as its bytes arrive, only if they fit and nobody is
//     waiting; when they do not, its receiver writes them to its spool file instead (spool.ts);
//   - a message received into a file waits for its turn to be parsed and stored: its size is
//     granted in order of arrival, once it fits.
//
// Either holds its room until the message is committed (or refused), so what is being parsed
// and stored counts as well as what is being received. Pure bookkeeping: no I/O.

export class MemoryBudget {
  private heldBytes = 0;
  private peakBytes = 0;
  private readonly waiting: Array<{ bytes: number; grant(): void }> = [];

  constructor(readonly limit: number) {}

  /** bytes held now */
  get held(): number {
    return this.heldBytes;
  }

  /** the most bytes held at once since the listener started */
  get peak(): number {
    return this.peakBytes;
  }

  /**
   * Takes room for bytes that have just arrived, when they fit and no file waits for its turn
   * (arriving bytes must not starve a waiting message: they can go to disk, it cannot).
   */
  take(bytes: number): boolean {
    if (this.waiting.length > 0 || this.heldBytes + bytes > this.limit) return false;
    this.count(bytes);
    return true;
  }

  /**
   * Resolves once `bytes` fit, in order of asking. A message larger than the whole budget gets
   * its turn when nothing else is held: it is then alone, and refusing it would refuse it for ever
   * (DATAMER_SMTP_MAX_BYTES above DATAMER_SMTP_DATA_MEMORY is the operator's choice).
   */
  turn(bytes: number): Promise<void> {
    return new Promise((grant) => {
      this.waiting.push({ bytes, grant });
      this.next();
    });
  }

  /** Gives back room taken or granted. */
  give(bytes: number): void {
    this.heldBytes -= bytes;
    this.next();
  }

  private count(bytes: number): void {
    this.heldBytes += bytes;
    if (this.heldBytes > this.peakBytes) this.peakBytes = this.heldBytes;
  }

  private next(): void {
    while (this.waiting.length > 0) {
      const first = this.waiting[0]!;
      if (this.heldBytes + first.bytes > this.limit && this.heldBytes > 0) return;
      this.waiting.shift();
      this.count(first.bytes);
      first.grant();
    }
  }
}
