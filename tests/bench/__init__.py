"""`make bench`: scenarios measured against the real stack, medians and ceilings in one table."""
