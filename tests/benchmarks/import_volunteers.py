"""Benchmark: import 10,000 volunteers from CSV through the HTTP app on SQLite.

    python -m tests.benchmarks.import_volunteers [--rows 10000] [--database-url URL]

Prints the time of the first import (all created) and of the same file again (all
updated). The target is under 10 s on SQLite for 10,000 rows.
"""

import argparse
import os
import random
import tempfile
import time

os.environ.setdefault("UROSTER_ARGON2_TIME_COST", "1")
os.environ.setdefault("UROSTER_ARGON2_MEMORY_KIB", "1024")


def make_csv(rows: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    skills = ["lang:en", "lang:yue", "first_aid", "sign_language", "driving"]
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    lines = [
        "name,phone,email,skills,home_lat,home_lon,district_code,max_hours_per_week,availability"
    ]
    for i in range(rows):
        chosen = ";".join(rng.sample(skills, rng.randint(0, 2)))
        day_a, day_b = rng.sample(days, 2)
        lines.append(
            f"Volunteer {i},139{i:08d},v{i}@example.org,{chosen},"
            f"{22.5 + rng.random() / 10:.5f},{114.0 + rng.random() / 10:.5f},BENCH,"
            f"{rng.choice([4, 8, 12])},{day_a} 09:00-13:00; {day_b} 14:00-18:00"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["UROSTER_DATABASE_URL"] = url

    from fastapi.testclient import TestClient

    from app.accounts import service as account_service
    from app.db import get_sessionmaker
    from app.districts.models import District
    from app.main import create_app
    from app.migrate import upgrade

    upgrade(url)
    with get_sessionmaker().begin() as session:
        district = District(code="BENCH", name="Benchmark district")
        session.add(district)
        session.flush()
        account = account_service.create_coordinator(
            session, email="bench@example.org", password="bench-pass", name="Bench",
            district_ids=[district.id],
        )  # fmt: skip
        token = account_service.issue_token(session, account)
    payload = make_csv(args.rows)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app()) as client:
        for label in ("first import (creates)", "second import (updates)"):
            started = time.perf_counter()
            response = client.post(
                "/api/v1/volunteers/import",
                headers=headers,
                files={"file": ("volunteers.csv", payload, "text/csv")},
            )
            elapsed = time.perf_counter() - started
            body = response.json()
            print(
                f"{label}: {args.rows} rows, {len(payload) / 1e6:.2f} MB, HTTP "
                f"{response.status_code}, created={body.get('created')} "
                f"updated={body.get('updated')} errors={len(body.get('errors', []))}, "
                f"{elapsed:.2f} s ({url.split(':')[0]})"
            )


if __name__ == "__main__":
    main()
