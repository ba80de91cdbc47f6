"""Hypothesis profiles for the whole suite.

`dev` (the default) tries few examples so the loop stays fast; `ci` (selected when the CI environment variable is
set, as `.ci/run` does) tries many. Choose one explicitly with HYPOTHESIS_PROFILE=dev|ci. Neither has a deadline:
the examples solve LPs and fit models on shared 2-core machines, where a per-example time limit only measures the
load of the machine. Tests do not set their own example counts.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=10, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
