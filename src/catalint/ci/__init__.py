"""Pull-request scoping (git changes) and publishing a run's results where CI users look."""
