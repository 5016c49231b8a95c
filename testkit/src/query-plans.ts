export interface PlanStage {
  stage: string;
  inputStage?: PlanStage;
  inputStages?: PlanStage[];
}

/** The part of `explain('executionStats')` output these checks read. */
export interface ExplainOutput {
  queryPlanner: { winningPlan: PlanStage };
  executionStats: { nReturned: number; totalDocsExamined: number };
}

/** Every stage of a winning plan, depth first (IXSCAN under FETCH, and so on). */
export function planStages(plan: PlanStage): string[] {
  return [plan.stage, ...(plan.inputStage ? planStages(plan.inputStage) : []), ...(plan.inputStages ?? []).flatMap(planStages)];
}

/**
 * For `explain('executionStats')` output: fails on a collection scan, or on examining more than `slack`
 * documents beyond those the query returns.
 */
export function expectIndexed(explained: unknown, slack = 1): void {
  const { queryPlanner, executionStats } = explained as ExplainOutput;
  const stages = planStages(queryPlanner.winningPlan);
  if (stages.includes('COLLSCAN')) throw new Error(`Expected an index, got a collection scan: ${stages.join(' > ')}`);
  const { totalDocsExamined, nReturned } = executionStats;
  if (totalDocsExamined > nReturned + slack) {
    throw new Error(
      `Expected at most ${nReturned + slack} documents examined for ${nReturned} returned, got ${totalDocsExamined} (${stages.join(' > ')})`,
    );
  }
}
