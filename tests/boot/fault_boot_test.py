#!/usr/bin/env python3
"""Boot test: a CPU exception or a panic inside the hypervisor ends in a clear report on the
serial console and, in test mode, in a failure exit of the emulator (QEMU status 35). One boot
per fault kind, through the test-mode-only `selftest fault` command."""
import argparse
import sys
import time

from machine import MACHINES, TestFailure

PROMPT = r"samepage> "

CASES = {
    "ud": r"EXCEPTION #UD \(vector 6, invalid opcode\) in the hypervisor, error code 0x0",
    "pf": r"EXCEPTION #PF \(vector 14, page fault\) in the hypervisor, error code 0x[0-9a-f]+",
    "gp": r"EXCEPTION #GP \(vector 13, general protection\) in the hypervisor",
    "panic": r"PANIC: selftest: panic requested from the console",
}


def run_case(machine_class, esp, kind, time_limit):
    with machine_class(esp, ["test_exit = qemu"], time_limit) as m:
        m.console.expect(PROMPT, m.remaining())
        m.console.send(f"selftest fault {kind}\r")
        m.console.expect(CASES[kind], 30)
        if kind == "panic":
            m.console.expect(r"caller 0x[0-9a-f]+ +rsp [0-9a-f]{16}", 10)
            m.console.expect(r"backtrace", 10)
        else:
            m.console.expect(r"rip [0-9a-f]{16} \(image offset 0x[0-9a-f]+\)", 10)
            if kind == "pf":
                m.console.expect(r"cr2 00007ff000000000", 10)
            m.console.expect(r"r13 [0-9a-f]{16}", 10)
        m.console.expect(r"System halted\.", 10)
        status = m.wait_exit(30)
        if status != 35:
            raise TestFailure(f"{kind}: QEMU exit status {status}, expected 35 (failure via the test exit device)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esp", required=True)
    ap.add_argument("--time-limit", type=float, default=90)
    args = ap.parse_args()
    started = time.monotonic()
    try:
        for kind in CASES:
            run_case(MACHINES["qemu"], args.esp, kind, args.time_limit)
            print(f"{kind}: reported and ended the emulator")
    except TestFailure as e:
        print(f"FAIL: {e}")
        return 1
    print(f"PASS (qemu faults, {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
