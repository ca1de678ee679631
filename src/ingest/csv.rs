//! CSV input: reports, declarations, targets, plans.
