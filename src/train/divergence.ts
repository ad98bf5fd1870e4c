// fit's divergence policy: how far an epoch's mean train loss may rise before the run counts as diverged.

/** The growth rule: an epoch whose mean train loss exceeds this many times the run's first epoch's has diverged. */
export const DIVERGENCE_FACTOR = 10;
/** The blow-up rule: an epoch whose mean train loss exceeds this many times the fit's starting loss has diverged. */
export const START_LOSS_FACTOR = 100;
