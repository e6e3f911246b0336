"""`make bench` (python -m bench): the comparison and the profile in one go.

    python -m bench [--quick] [--with-scaling] [--skip-profile]

1. with `--with-scaling` (`make bench-all`; ~10 more minutes), first
   `bench.scaling`: people pages at 1k–1M rows, the nested view against its
   result size and against the rest of the graph (bench/results/scaling.*);
   `make bench-scaling` runs it alone;
2. `bench.run`: every shape on the floor, OrgGraph and @neo4j/graphql at
   concurrency 1 and 8 (bench/results/latest.*; its targets table takes the
   first-page ratio from the last scaling run, with that run's date);
3. `bench.profile`: py-spy and pyinstrument on OrgGraph's slowest row of step 2
   (bench/results/profiles/);
4. the county against the city (`bench.scaling --parts city`: every shape and
   analytic on both stores, bench/results/city.*) when the city store is
   seeded; seeding it takes ~30 minutes, so a first run skips it and says how
   (`--with-city` seeds it, as `make bench-scaling` does).

The bench Neo4j stays up between the steps and is stopped at the end, also when
a step fails; each step stops the servers it started.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import dataset, profile, run, scaling
from bench.common import CITY_INSTANCE


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer requests and sizes (development)")
    p.add_argument("--with-scaling", action="store_true", help="run bench.scaling first (~10 min)")
    p.add_argument("--skip-profile", action="store_true")
    p.add_argument("--with-city", action="store_true", help="seed the city store if it is not yet (~30 min)")
    p.add_argument("--skip-city", action="store_true")
    args = p.parse_args(argv)
    quick = ["--quick"] if args.quick else []
    started = time.perf_counter()
    try:
        if args.with_scaling:
            print("== scaling (bench.scaling) ==", flush=True)
            if scaling.main(["--keep-neo4j", *quick]) != 0:
                return 1
        print("\n== the comparison (bench.run) ==", flush=True)
        if run.main(["--keep-neo4j", *quick]) != 0:
            return 1
        if not args.skip_profile:
            print("\n== profile of OrgGraph's slowest row (bench.profile) ==", flush=True)
            seconds = ["--seconds", "8"] if args.quick else []
            if profile.main(["--keep-neo4j", *seconds]) != 0:
                return 1
        if args.skip_city or args.with_scaling:  # --with-scaling measured the city already
            pass
        elif args.with_city or (CITY_INSTANCE.home / "seed-city.txt").exists():
            print("\n== the county against the city (bench.scaling --parts city) ==", flush=True)
            if scaling.main(["--parts", "city", *quick]) != 0:
                return 1
        else:
            print(
                "\nthe city store is not seeded: `make bench-scaling` (or `python -m bench --with-city`) seeds it once (~30 min)",
                flush=True,
            )
    finally:
        dataset.stop()
        print(
            f"\nbench finished in {time.perf_counter() - started:.0f} s; results in bench/results/",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
