#!/usr/bin/env python3
"""The container Action's entrypoint: read the environment once, run, exit with the code.

Everything else (settings, dispatch, outputs) lives in ``telefonistka.action.main``, so
importing this file does nothing.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    from telefonistka.action import main

    sys.exit(main(os.environ))
