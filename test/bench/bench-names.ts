/** Queues and databases the bench uses besides the pipeline's own queue (kept apart from it). */
export const benchNames = {
  /** The naive baseline's queue (host defaults: base64 bodies, one status message each). */
  naiveQueue: 'bench-naive',
  naiveDatabase: 'bench-naive',
  /** The raw queue ceiling is measured on its own queue and database, emptied afterwards. */
  ceilingQueue: 'bench-ceiling',
  ceilingDatabase: 'bench-ceiling',
  /** Each pipeline run stores into its own database, so that its container holds only that run's documents. */
  /** The handler-alone run (the worker's CPU share). */
  handlerDatabase: 'bench-handler',
  pipelineDatabase: (messages: number): string => `bench-pipeline-${messages}`,
} as const;
