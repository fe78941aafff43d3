"""The configuration: the frozen model, its validation, per-component files and RE2 regexes."""
