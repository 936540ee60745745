/**
 * The monitor's prefix bookkeeping, apart from I/O: a byte per /24 of the
 * plan, counts of announcements and withdrawals, first and last change.
 */
import { PLAN_SLOTS, now, planIndex, walkUpdate } from './wire.js';

export class PrefixCounter {
  readonly bitmap = new Uint8Array(PLAN_SLOTS);
  present = 0;
  announced = 0;
  withdrawn = 0;
  /** prefixes outside the plan (e.g. the route server's own VNet prefix) */
  other = 0;
  /** first change since the last mark, 0 if none */
  firstAt = 0;
  lastAt = 0;

  readonly onWithdrawn = (address: number, length: number): void => {
    const i = length === 24 ? planIndex(address) : -1;
    if (i < 0) return;
    this.withdrawn++;
    if (this.bitmap[i] === 1) {
      this.bitmap[i] = 0;
      this.present--;
    }
    this.touch();
  };

  readonly onNlri = (address: number, length: number): void => {
    const i = length === 24 ? planIndex(address) : -1;
    if (i < 0) {
      this.other++;
      return;
    }
    this.announced++;
    if (this.bitmap[i] === 0) {
      this.bitmap[i] = 1;
      this.present++;
    }
    this.touch();
  };

  private touch(): void {
    if (this.firstAt === 0) this.firstAt = now();
  }

  update(b: Buffer, start: number, length: number): void {
    const before = this.announced + this.withdrawn;
    walkUpdate(b, start, length, this.onWithdrawn, this.onNlri);
    if (this.announced + this.withdrawn !== before) this.lastAt = now();
  }
}
