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

/** What `explainFindAndModify` needs of a mongoose model: its connection's database and its collection's name. */
export interface ExplainableModel {
  db: { db?: { command(command: Record<string, unknown>): Promise<unknown> } };
  collection: { collectionName: string };
}

/**
 * `explain('executionStats')` of a findAndModify on the model's collection, through the explain
 * command itself: mongoose's `findOneAndUpdate(...).explain()` hands back only the command's `value`.
 */
export async function explainFindAndModify(
  model: ExplainableModel,
  query: Record<string, unknown>,
  update: Record<string, unknown>,
): Promise<unknown> {
  if (!model.db.db) throw new Error(`${model.collection.collectionName}: not connected`);
  return model.db.db.command({
    explain: { findAndModify: model.collection.collectionName, query, update, new: true },
    verbosity: 'executionStats',
  });
}
