"""Plain data types, time base, progress/cancel and error types. No Qt, numpy only."""
