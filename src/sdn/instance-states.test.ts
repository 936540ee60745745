import { describe, expect, it } from 'vitest';
import { HopSetTable } from './hop-sets.js';
import { InstanceStates } from './instance-states.js';

describe('InstanceStates', () => {
  it('names each combination of the slots once, with the union of their sets', () => {
    const sets = new HopSetTable();
    const states = new InstanceStates(sets);
    const a = sets.intern(['10.0.2.4']);
    const b = sets.intern(['10.0.2.5']);
    const onlyA = states.next(0, 0, a);
    expect(states.next(0, 0, a)).toBe(onlyA);
    expect(states.idAt(onlyA, 0)).toBe(a);
    expect(states.idAt(onlyA, 1)).toBe(0);
    expect(states.get(onlyA)).toEqual(['10.0.2.4']);
    const both = states.next(onlyA, 1, b);
    expect(states.get(both)).toEqual(['10.0.2.4', '10.0.2.5']);
    expect(states.idAt(both, 1)).toBe(b);
    // the same combination reached the other way round is the same state
    expect(states.next(states.next(0, 1, b), 0, a)).toBe(both);
    // the slot that injected nothing more: back to the state of the other alone; none at all is 0
    expect(states.next(both, 1, 0)).toBe(onlyA);
    expect(states.next(onlyA, 0, 0)).toBe(0);
    expect(states.unionOf(0)).toBe(0);
  });

  it('forgets at the sweep what nothing holds, and a state and its sets once the last holder lets go', () => {
    const sets = new HopSetTable();
    const states = new InstanceStates(sets);
    const a = sets.intern(['10.0.2.4']);
    const b = sets.intern(['10.0.2.5']);
    const held = states.next(states.next(0, 0, a), 1, b);
    states.retain(held);
    states.sweep();
    // the intermediate state (slot 0 alone) is gone; the held one keeps both sets and their union
    expect(states.size).toBe(1);
    expect(sets.size).toBe(3);
    states.release(held);
    expect(states.size).toBe(0);
    expect(sets.size).toBe(0);
    // ids are reused, and what `next` remembered about the old ones is gone with them
    const c = sets.intern(['10.0.2.6']);
    const again = states.next(0, 0, c);
    expect(states.get(again)).toEqual(['10.0.2.6']);
    expect(states.idAt(again, 0)).toBe(c);
  });
});
