/**
 * Issue 12's baseline arms against systematics, registered in methods.ts: `bce-augmented`
 * (augmented.ts: BCE on events at nuisances drawn from their priors per batch) and `pivot`
 * (pivot.ts: a classifier with an adversary and gradient reversal, arXiv:1611.01046), on the
 * shared nuisance-augmented batches of batch.ts.
 */
export * from './batch.js';
export * from './augmented.js';
export * from './pivot.js';
