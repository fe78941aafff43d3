"""A promotion from change to plan to tree changes: changes, snapshot, planning, sync, metadata."""
