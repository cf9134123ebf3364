"""Pure functions from the model to figures: the metric registry, funnel and cohorts, stalled
leads, the call queue, aftercare, ratios and targets, and client experience."""
