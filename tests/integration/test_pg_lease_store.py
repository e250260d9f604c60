#!/usr/bin/env python3
"""The PostgreSQL lease store's GoogleTest suite (tests/unit/lease/pg_lease_store_test.cpp)
against a real, throw-away PostgreSQL (tests/support/postgres.py): schema creation and
versioning, every SQLite store contract test, two stores on one database, the unreachable
state. The gtest binary skips those tests without NETBOOT_TEST_PG_URI; here it is set, and a
skip counts as a failure."""

import os
import subprocess
import unittest

import netns
from postgres import Postgres


def unit_lease_binary() -> str:
    path = os.environ.get("NETBOOT_UNIT_LEASE", "")
    if not path or not os.access(path, os.X_OK):
        netns.skip(f"unit_lease binary not found (NETBOOT_UNIT_LEASE={path!r}; run via ctest)")
    return path


class PgLeaseStoreSuite(unittest.TestCase):
    def test_gtest_suite_against_postgresql(self):
        binary = unit_lease_binary()
        with Postgres() as pg:
            env = dict(os.environ, NETBOOT_TEST_PG_URI=pg.uri("postgres"))
            result = subprocess.run([binary, "--gtest_filter=PgLeaseStoreTest.*", "--gtest_brief=0"],
                                    env=env, capture_output=True, text=True, timeout=300)
            output = result.stdout + result.stderr
            print(output[-6000:])
            self.assertEqual(result.returncode, 0, "PgLeaseStore tests failed")
            self.assertNotIn("[  SKIPPED ]", output, "a PgLeaseStore test skipped although PostgreSQL runs")
            self.assertRegex(output, r"\[  PASSED  \] 22 tests")
            # Every test database was dropped again.
            left = pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 't\\_%'").strip()
            self.assertEqual(left, "0")


if __name__ == "__main__":
    netns.main()
