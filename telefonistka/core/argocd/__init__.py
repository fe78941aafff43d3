"""Argo CD as plain data: which apps a change touches, their diffs, and the diff comment."""
