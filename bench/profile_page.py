"""Profile one page in-process: where does a request's time go?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casusregie_bench_10000 \\
    .venv/bin/python bench/profile_page.py restricted@regio-01.invalid /huizen/regio-01/casussen/

Logs in (force_login) as the user, requests the path 5 times to warm up, then 20 times under
cProfile, and prints the functions with the most own time and the most cumulative time, plus
the time spent in SQL (Django's query log) and in template rendering.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("email")
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casusregie.conf.settings")
    os.environ.setdefault("CASUSREGIE_ENV", "development")
    os.environ.setdefault("CASUSREGIE_REQUIRE_2FA", "false")
    os.environ.setdefault("CASUSREGIE_LOG_LEVEL", "warning")
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.signals import template_rendered

    from casusregie.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=args.email))
    for _ in range(5):
        assert client.get(args.path).status_code == 200
    # The test client hooks template rendering to record contexts: that is not production cost.
    template_rendered.receivers = []
    connection.force_debug_cursor = True
    reset_queries()
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(args.runs):
        client.get(args.path)
    profile.disable()
    wall = (time.perf_counter() - started) * 1000 / args.runs
    sql = sum(float(q["time"]) for q in connection.queries) * 1000 / args.runs
    print(f"{args.path}: {wall:.1f} ms per request (under the profiler), SQL {sql:.1f} ms, ")
    print(f"{len(connection.queries) / args.runs:.0f} queries per request")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
