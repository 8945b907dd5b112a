"""Assessment: readiness checks computed from the collected inventory."""
