import { expectIndexed, planStages } from '../src/query-plans';

const explainOf = (winningPlan: unknown, nReturned: number, totalDocsExamined: number) => ({
  queryPlanner: { winningPlan },
  executionStats: { nReturned, totalDocsExamined },
});

const indexed = { stage: 'LIMIT', inputStage: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'ticket_1_status_1' } } };

describe('expectIndexed', () => {
  it('when the plan scans an index and examines what it returns, then it passes', () => {
    expect(() => expectIndexed(explainOf(indexed, 3, 3))).not.toThrow();
    expect(planStages(indexed)).toEqual(['LIMIT', 'FETCH', 'IXSCAN']);
  });

  it('when the plan is a collection scan, anywhere in the tree, then it fails naming the stages', () => {
    const plan = { stage: 'SORT', inputStages: [{ stage: 'COLLSCAN' }] };
    expect(() => expectIndexed(explainOf(plan, 1, 1))).toThrow(/collection scan: SORT > COLLSCAN/);
  });

  it('when far more documents are examined than returned, then it fails unless the slack allows it', () => {
    expect(() => expectIndexed(explainOf(indexed, 2, 40))).toThrow(/at most 3 documents examined for 2 returned, got 40/);
    expect(() => expectIndexed(explainOf(indexed, 2, 40), 38)).not.toThrow();
  });
});
