#!/usr/bin/env python3
"""Kernel + initrd over HTTP (a generated iPXE script, issue 20) against TFTP, in one run:
boots the demo VM (tests/e2e/demo.py) once each way, one after the other, and compares the
time netbootd's log gives for the two files (HTTP: request to last byte handed to the socket;
TFTP: request to last block acknowledged). Root only; needs what `make demo` needs.

    sudo NETBOOTD=build/netbootd PYTHONPATH=tests/support python3 bench/boot_http_vs_tftp.py [--uefi]
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"kernel\+initrd (?P<mb>[0-9.]+) MB over (?P<proto>HTTP|TFTP) in (?P<s>[0-9.]+) s")


def run(extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "support"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "e2e" / "demo.py"), *extra], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    m = LINE.search(last)
    if proc.returncode != 0 or not m:
        sys.exit(f"demo {' '.join(extra)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    print(last, flush=True)
    return float(m.group("mb")), float(m.group("s"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uefi", action="store_true")
    args = parser.parse_args()
    firmware = ["--uefi"] if args.uefi else []
    mb_http, http = run(firmware)
    mb_tftp, tftp = run(firmware + ["--tftp"])
    ratio = tftp / http if http > 0 else float("inf")
    print(f"kernel+initrd ({mb_http:.1f} MB): HTTP {http:.2f} s, TFTP {tftp:.2f} s: HTTP {ratio:.1f}x faster "
          f"(target >= 5x: {'met' if ratio >= 5 else 'NOT met'})", flush=True)
    return 0 if ratio >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
