/** Everything the training loop works with, assembled once by train() (train.ts). */
import type { RunConfig, RunMemory } from '../../shared/protocol';
import type { ResumePlan } from '../resume';
import type { StepModels } from '../step';
import type { Checkpointer, LoopPosition } from './checkpointer';
import type { Evaluator } from './evaluator';
import type { RunContext, RunMetrics } from './runContext';
import type { TrainingData } from './trainingData';

export interface TrainingRun {
  ctx: RunContext;
  config: RunConfig;
  /** Set when the run continues from a checkpoint. */
  plan?: ResumePlan;
  td: TrainingData;
  models: StepModels;
  memory: RunMemory;
  stepsPerEpoch: number;
  totalSteps: number;
  metrics: RunMetrics;
  evaluator: Evaluator;
  checkpointer: Checkpointer;
  /** The loop's position after the last completed step: what a checkpoint written now would resume from. */
  position: LoopPosition;
  /** True from a step's start until it is known to be applied whole or not at all (see failureCheckpoint.ts). */
  inStep: boolean;
}
