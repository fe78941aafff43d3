"""YAML 1.2 read with positions, and the yq-style selectors the bumps (and kept fields) use."""
