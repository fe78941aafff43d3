"""The fleet report (every component on every target) and the promotion dashboard issue."""
