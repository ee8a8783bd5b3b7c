#!/usr/bin/env python3
"""Boot test: runs built-in test guests through the real back-end and the common exit handling,
in QEMU (AMD SVM + NPT) or Bochs (Intel VMX + EPT), with the same verdicts. `hello` prints on
its virtual serial port and reports success by hypercall; two `xstate` guests check that their
vector registers survive 50,000 exits each while the other runs (QEMU's CPU model has no XSAVE:
the FXSAVE path; Bochs' Haswell has XSAVE and AVX); under QEMU a 1026 MiB memcheck gets (and
passes on) a 1 GiB nested page; `spin` loops forever with interrupts off while the console stays responsive
(on VMX the VMX-preemption timer takes the CPU back: Bochs ignores external-interrupt exiting
while the guest has IF=0) and `vm kill` stops it; at the end every VM frame is back in the
allocator and no isolation audit failed. Ends in a verdict."""
import argparse
import json
import sys
import time

from console_boot_test import PROMPT, check, command_json, run_command
from machine import MACHINES, TestFailure

# What each emulator's CPU model offers the xstate guest: AVX (XSAVE path) or not (FXSAVE).
XSTATE_AVX = {"qemu": 0, "bochs": 1}
# The 1 GiB nested page needs a VM of over a GiB: QEMU zeroes its RAM in a few seconds, Bochs
# (about 30 million instructions per second, at most 2 GiB of host memory) would take minutes,
# so the Bochs run leaves it out (EPT and NPT share GuestMemory's 1 GiB path).
BIG_PAGE = {"qemu": True, "bochs": False}


def vm_by_name(m, name):
    vms = command_json(m, "vm list")["data"]["vms"]
    for vm in vms:
        if vm["name"] == name:
            return vm
    raise TestFailure(f"no VM named {name} in vm list: {json.dumps(vms)}")


def wait_state(m, name, states, timeout):
    deadline = time.monotonic() + timeout
    while True:
        vm = vm_by_name(m, name)
        if vm["state"] in states:
            return vm
        if time.monotonic() > deadline:
            raise TestFailure(f"VM {name} stayed {vm['state']}, expected one of {states}")
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", choices=sorted(MACHINES), default="qemu")
    ap.add_argument("--esp", required=True)
    ap.add_argument("--time-limit", type=float, default=180)
    args = ap.parse_args()
    started = time.monotonic()
    try:
        # 3 GiB: the allocator then has an aligned free GiB above 4 GiB for the 1 GiB page.
        memory_mib = 3072 if BIG_PAGE[args.emulator] else 512
        with MACHINES[args.emulator](args.esp, [f"test_exit = {args.emulator}"], args.time_limit,
                                     memory_mib=memory_mib) as m:
            m.console.expect(PROMPT, m.remaining())
            booted = m.elapsed()
            console_start = len(m.console.text_since(0))
            started_hello = command_json(m, "vm start hello")
            check(started_hello["ok"], "vm start hello failed", json.dumps(started_hello))
            hello = wait_state(m, "hello", ("exited", "stopped"), 30)
            info = command_json(m, f"vm info {hello['id']}")["data"]
            check(info["state"] == "exited" and info["verdict"] == "passed", "hello did not pass", json.dumps(info))
            log = run_command(m, f"vm log {hello['id']}")
            check("hello from a Samepage test guest" in log, "hello's serial output is missing", log)

            # Two register checkers at once.
            for name in ("xstate-a", "xstate-b"):
                r = command_json(m, f"vm start xstate 8M --name {name} --arg 50000")
                check(r["ok"], "vm start xstate failed", json.dumps(r))
            for name in ("xstate-a", "xstate-b"):
                x = wait_state(m, name, ("exited", "stopped"), 120)
                xi = command_json(m, f"vm info {x['id']}")["data"]
                figures = {f["name"]: f["value"] for f in xi["figures"]}
                check(xi["verdict"] == "passed" and figures.get("avx") == XSTATE_AVX[args.emulator],
                      f"{name}: vector registers did not survive", json.dumps(xi))

            # RAM of a GiB or more gets a 1 GiB nested page (QEMU offers pdpe1gb).
            big_vm = None
            if BIG_PAGE[args.emulator]:
                big = command_json(m, "vm start memcheck 1026M --name big --arg 64")
                check(big["ok"] and big["data"]["pages_1g"] == 1, "a 1026 MiB VM did not get a 1 GiB page",
                      json.dumps(big))
                big_vm = wait_state(m, "big", ("exited", "stopped"), 180)
                check(big_vm["state"] == "exited", "memcheck on a 1 GiB page did not pass", json.dumps(big_vm))

            spin = command_json(m, "vm start spin 8M")
            check(spin["ok"], "vm start spin failed", json.dumps(spin))
            time.sleep(2)  # the guest spins; the console must still answer promptly
            t0 = time.monotonic()
            version = command_json(m, "version", timeout=10)
            check(version["ok"], "console did not answer while a guest spins")
            answered = time.monotonic() - t0
            spun = vm_by_name(m, "spin")
            check(spun["state"] == "running", "spin is not running", json.dumps(spun))
            check(spun["exits"] > 0, "spin never gave the CPU back through an exit", json.dumps(spun))
            command_json(m, f"vm kill {spin['data']['id']}")
            killed = wait_state(m, "spin", ("stopped",), 30)

            frames = command_json(m, "mem")["data"]["frames"]
            check(frames["vms"] == 0, "frames of ended VMs were not returned", json.dumps(frames))
            audit_lines = [l for l in m.console.text_since(console_start).splitlines() if "audit:" in l]
            check(not any("FAILED" in l for l in audit_lines), "an isolation audit failed", "\n".join(audit_lines))
            hello_kinds = {k: v for k, v in info["exits"].items() if v}
            print(f"hello: {info['exits_total']} exits {json.dumps(hello_kinds)}")
            print(f"xstate: {xi['exits_total']} exits each, vector registers intact (avx {figures.get('avx')})")
            if big_vm:
                print(f"big memcheck on a 1 GiB page: {big_vm['exits']} exits {json.dumps(big_vm['by_kind'])}")
            print(f"spin: console answered in {answered:.2f} s while it ran; {killed['exits']} exits "
                  f"{json.dumps(killed['by_kind'])} until killed")
            print(f"VM frames after all ended: {frames['vms']}; audits: {len(audit_lines)} ok")
            m.console.send("poweroff\r")
            m.check_test_exit(60)
            print(f"boot to prompt {booted:.1f} s, whole test {m.elapsed():.1f} s")
    except TestFailure as e:
        print(f"FAIL: {e}")
        return 1
    print(f"PASS ({args.emulator} guests, {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
