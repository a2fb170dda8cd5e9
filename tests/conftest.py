"""Test settings shared by every suite; set before the app reads its settings."""

import os
import tempfile
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="uroster-tests-"))
os.environ.setdefault("UROSTER_DATABASE_URL", f"sqlite:///{_scratch / 'default.db'}")
# argon2 at its lowest cost: the tests check behaviour, not hashing strength.
os.environ["UROSTER_ARGON2_TIME_COST"] = "1"
os.environ["UROSTER_ARGON2_MEMORY_KIB"] = "1024"
