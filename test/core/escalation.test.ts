import { describe, expect, it } from 'vitest';
import { escalationPatch, topLine } from '../../src/core/escalation.js';
import type { DeskConfig } from '../../src/core/deskConfig.js';

const desk = (lines: number[]): Pick<DeskConfig, 'teams'> => ({ teams: lines.map((line, i) => ({ name: `team${i}`, line })) as DeskConfig['teams'] });

describe('escalationPatch', () => {
  it('moves to the next line and its team, one priority step up', () => {
    expect(escalationPatch({ line: 1, priority: 'normal' }, desk([1, 2]))).toEqual({ line: 2, priority: 'high', team: 'team1', assignee: null });
  });

  it('stops at the highest line a team works on: a line without a team is a queue nobody reads', () => {
    expect(topLine(desk([1, 1, 2]))).toBe(2);
    // The demo desk: lines 1 and 2. A ticket on line 2 that breaches again only gets more urgent.
    expect(escalationPatch({ line: 2, priority: 'high' }, desk([1, 2]))).toEqual({ line: 2, priority: 'urgent' });
    // Teams changed since: a ticket above the top line is not moved down.
    expect(escalationPatch({ line: 3, priority: 'urgent' }, desk([1, 2]))).toEqual({ line: 3, priority: 'urgent' });
  });

  it('goes up to line 3 on a desk without teams', () => {
    expect(topLine(desk([]))).toBe(3);
    expect(escalationPatch({ line: 2, priority: 'urgent' }, desk([]))).toEqual({ line: 3, priority: 'urgent' });
  });
});
