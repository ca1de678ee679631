//! Area status over time, declared-vs-computed discrepancies, targets and progress.
