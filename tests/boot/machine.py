"""Emulator drivers for boot tests: start the real Samepage image in QEMU (AMD SVM + NPT under
TCG) or Bochs (Intel VMX + EPT), talk to its serial console over a socket, and always end the
emulator (a test that overstays its time limit kills it).

Only the Python standard library is used.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOCHS_ROM = "/usr/share/ovmf/OVMF.fd"
VGA_ROM = "/usr/share/vgabios/vgabios.bin"
QEMU_CPU = "qemu64,+svm,+npt,+pdpe1gb"
# With XSAVE and AVX: guests can use XSETBV and YMM state. +xsaveopt matters: QEMU 7.2's VMRUN
# treats CR4.OSXSAVE as reserved unless CPUID leaf 0xD.1 reports something (a QEMU quirk), so a
# guest that sets OSXSAVE would fail every later VMRUN.
QEMU_CPU_XSAVE = QEMU_CPU + ",+xsave,+xsaveopt,+avx,+avx2"
BOCHS_CPU = "corei7_haswell_4770"


class TestFailure(Exception):
    pass


def make_test_esp(esp_image, workdir, config_lines):
    """Copies the built ESP and replaces its samepage.cfg with the test's configuration."""
    esp = os.path.join(workdir, "esp.img")
    shutil.copyfile(esp_image, esp)
    cfg = os.path.join(workdir, "samepage.cfg")
    with open(cfg, "w") as f:
        f.write("# written by the boot test\n")
        for line in config_lines:
            f.write(line + "\n")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-o", "-i", esp, cfg, "::/EFI/BOOT/samepage.cfg"], check=True, env=env)
    return esp


class SerialConsole:
    """Collects everything the machine writes to its serial port; lets a test wait for text."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = ""
        self.cursor = 0  # expect() searches from here, so each match consumes what it matched
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            with self.lock:
                self.buffer += data.decode("latin-1")

    def send(self, text, char_delay=0.0):
        data = text.encode("latin-1")
        if char_delay <= 0:
            self.sock.sendall(data)
            return
        for b in data:
            self.sock.sendall(bytes([b]))
            time.sleep(char_delay)

    def expect(self, pattern, timeout):
        """Waits until `pattern` (a regex) appears after the cursor; returns the match."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                m = regex.search(self.buffer, self.cursor)
                if m:
                    self.cursor = m.end()
                    return m
            if self.closed or time.monotonic() > deadline:
                why = "the console closed" if self.closed else f"{timeout:.0f} s passed"
                raise TestFailure(f"expected /{pattern}/ but {why}; console tail:\n{self.tail()}")
            time.sleep(0.05)

    def text_since(self, start):
        with self.lock:
            return self.buffer[start:]

    def tail(self, chars=3000):
        with self.lock:
            return self.buffer[-chars:]


def _connect_unix(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise TestFailure(f"could not connect to the serial socket {path}")
            time.sleep(0.1)


def _connect_tcp(port, timeout, proc):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise TestFailure(f"could not connect to Bochs' serial port 127.0.0.1:{port}")
            time.sleep(0.1)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Machine:
    """Base: start(), console, wait_exit(), stop(). Use as a context manager."""

    vendor = None

    def __init__(self, esp_image, config_lines, time_limit, memory_mib=512, cpu=None):
        self.workdir = tempfile.mkdtemp(prefix=f"samepage-{self.name}-")
        self.esp = make_test_esp(esp_image, self.workdir, config_lines)
        self.time_limit = time_limit
        self.memory_mib = memory_mib
        self.cpu = cpu  # emulator CPU model; None: the machine's default
        self.proc = None
        self.console = None
        self.started = None
        self.keep_workdir = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        if exc is not None:
            self.keep_workdir = True
        if not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return False

    def elapsed(self):
        return time.monotonic() - self.started

    def remaining(self):
        return max(1.0, self.time_limit - self.elapsed())

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{self.name} did not exit within {timeout:.0f} s; console tail:\n"
                              f"{self.console.tail()}")

    def check_test_exit(self, timeout):
        """Waits for the emulator to end after Samepage's `poweroff` in test mode; raises
        TestFailure unless it ended through the test exit."""
        status = self.wait_exit(timeout)
        if not self.ended_through_test_exit(status):
            raise TestFailure(f"{self.name} did not end through the test exit (status {status})")

    def disconnect_console(self):
        """Closes the test's own console connection (so that a tool can connect instead)."""
        if self.console:
            try:
                self.console.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread
            except OSError:
                pass
            self.console.sock.close()
            self.console.thread.join(5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # Bochs ignores SIGTERM
            self.proc.wait()
        if self.console:
            self.console.sock.close()


class Qemu(Machine):
    name = "qemu"
    vendor = "AMD"

    def start(self):
        sock_path = os.path.join(self.workdir, "serial.sock")
        vars_fd = os.path.join(self.workdir, "ovmf-vars.fd")
        shutil.copyfile(OVMF_VARS, vars_fd)
        cmd = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", self.cpu or QEMU_CPU,
            "-m", str(self.memory_mib), "-display", "none", "-no-reboot", "-monitor", "none",
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_fd}",
            "-drive", f"format=raw,file={self.esp},if=virtio",
            "-chardev", f"socket,id=con,path={sock_path},server=on,wait=on",
            "-serial", "chardev:con",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=1",
        ]
        self.log = open(os.path.join(self.workdir, "qemu.log"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.started = time.monotonic()
        self.sock_path = sock_path
        self.console = SerialConsole(_connect_unix(sock_path, 30))

    def ended_through_test_exit(self, status):
        # isa-debug-exit: QEMU exits with (0x10 << 1) | 1 = 33 when Samepage passes.
        return status == 33

    def reconnect_console(self):
        """A fresh connection to the console socket (QEMU's server takes one client at a time;
        what the machine wrote while nobody was connected is gone)."""
        self.console = SerialConsole(_connect_unix(self.sock_path, 10))


BOCHSRC = """\
plugin_ctrl: unmapped=1, biosdev=1, speaker=0, extfpuirq=0, parallel=0, gameport=0, iodebug=0
config_interface: textconfig
display_library: term
memory: guest={memory}, host={host_memory}
romimage: file={rom}, address=0xffe00000
vgaromimage: file={vga}
cpu: model={cpu}, count=1, ips=1000000, reset_on_triple_fault=0, ignore_bad_msrs=1
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path={esp}, mode=flat
ata1: enabled=0
boot: disk
floppy_bootsig_check: disabled=1
clock: sync=none, time0=local
com1: enabled=1, mode=socket-server, dev=127.0.0.1:{port}
port_e9_hack: enabled=1
mouse: enabled=0
keyboard: type=mf
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
"""


class Bochs(Machine):
    name = "bochs"
    vendor = "Intel"

    def start(self):
        port = _free_port()
        self.bochs_log = os.path.join(self.workdir, "bochs.log")
        rc = os.path.join(self.workdir, "bochsrc")
        with open(rc, "w") as f:
            # Bochs allocates at most 2048 MiB on the host; guest RAM beyond that lives in its
            # swap of memory blocks.
            f.write(BOCHSRC.format(memory=self.memory_mib, host_memory=min(self.memory_mib, 2048), rom=BOCHS_ROM, vga=VGA_ROM, cpu=self.cpu or BOCHS_CPU,
                                   esp=self.esp, port=port, log=self.bochs_log))
        cont = os.path.join(self.workdir, "cont.rc")
        with open(cont, "w") as f:
            f.write("c\n")  # without it Bochs waits at its debugger prompt
        # display_library "term" needs a terminal: `script` provides a pseudo-terminal.
        inner = f"bochs -q -f {rc} -rc {cont}"
        self.log = open(os.path.join(self.workdir, "bochs.out"), "w")
        self.proc = subprocess.Popen(["script", "-qefc", inner, "/dev/null"], cwd=self.workdir,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     env=dict(os.environ, TERM="xterm"))
        self.started = time.monotonic()
        self.console = SerialConsole(_connect_tcp(port, 60, self.proc))

    def ended_through_test_exit(self, status):
        # Bochs' own exit status is always 1: its log of the shutdown-port request is the verdict.
        return self.shutdown_requested()

    def shutdown_requested(self):
        try:
            with open(self.bochs_log, errors="replace") as f:
                return "shutdown requested" in f.read()
        except OSError:
            return False


MACHINES = {"qemu": Qemu, "bochs": Bochs}
