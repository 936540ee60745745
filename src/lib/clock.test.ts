import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';

describe('lib/clock ManualClock', () => {
  it('fires due timers in due order when advanced, including ones scheduled by a callback', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(5, () => fired.push(`c@${clock.now()}`));
    });
    clock.advance(50);
    expect(fired).toEqual(['a@110', 'c@115', 'b@130']);
    expect(clock.now()).toBe(150);
  });

  it('never fires a cancelled timer', () => {
    const clock = new ManualClock();
    let fired = false;
    const handle = clock.setTimer(10, () => (fired = true));
    handle.cancel();
    clock.advance(20);
    expect(fired).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('does not fire a timer before it is due', () => {
    const clock = new ManualClock();
    let fired = false;
    clock.setTimer(10, () => (fired = true));
    clock.advance(9);
    expect(fired).toBe(false);
    clock.advance(1);
    expect(fired).toBe(true);
  });
});
