#!/usr/bin/env python3
# tests/integration/hostile_control.py - hostile clients of the control
# socket, for test_hostile_control.sh (Python's standard library only).
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
#   hostile_control.py SOCKET REPORT SECONDS [IDLE]
#
# Opens, in this order: a "slow" client that sends "TPC1 status\n" one
# byte every 1.5 s; a "dumper" that asks for a dump and never reads; IDLE
# (default 20) "idle" clients that send nothing.  Then creates REPORT.ready
# and watches every connection for SECONDS: the first time the server
# answers or hangs up on a client, REPORT gets a line
#
#   KIND INDEX SECONDS-SINCE-CONNECT closed|answered FIRST-LINE
#
# ("answered" while the socket is still open, as seen by a client that
# reads; the dumper never reads, so for it only the hang-up is seen).  A
# client the server never answers gets "KIND INDEX - open -" at the end,
# one whose connect the listen queue never took "KIND INDEX - queued -":
# connects do not wait, they are retried every 50 ms.
import select
import socket
import sys
import time


def try_connect(c, path):
    """Connect client c if the listen queue takes it; True once it has."""
    if c[3] is not None:
        return True
    try:
        c[2].connect(path)
    except (BlockingIOError, InterruptedError):
        return False
    c[3] = time.monotonic()
    if c[0] == "dumper":
        c[2].send(b"TPC1 dump\n")
    return True


def main():
    path, report, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    idle = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    # [kind, index, socket, connected at, result]
    clients = [["slow", 0, None, None, None], ["dumper", 0, None, None, None]]
    clients += [["idle", i, None, None, None] for i in range(idle)]
    poller = select.poll()
    by_fd = {}
    for c in clients:
        c[2] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c[2].setblocking(False)
        try_connect(c, path)
    open(report + ".ready", "w").close()
    request = b"TPC1 status\n"
    sent = 0
    next_byte = time.monotonic()
    end = time.monotonic() + seconds
    with open(report, "w") as out:
        while time.monotonic() < end:
            for c in clients:
                if c[2].fileno() not in by_fd and try_connect(c, path):
                    mask = select.POLLHUP | select.POLLERR
                    if c[0] != "dumper":
                        mask |= select.POLLIN
                    poller.register(c[2].fileno(), mask)
                    by_fd[c[2].fileno()] = c
            now = time.monotonic()
            slow = clients[0]
            if slow[3] is not None and slow[4] is None and \
                    sent < len(request) and now >= next_byte:
                try:
                    slow[2].send(request[sent:sent + 1])
                    sent += 1
                except OSError:
                    pass
                next_byte = now + 1.5
            wait = max(0.0, min(end, next_byte) - time.monotonic())
            if len(by_fd) < len(clients):
                wait = min(wait, 0.05)
            for fd, ev in poller.poll(wait * 1000):
                c = by_fd[fd]
                if c[4] is not None:
                    continue
                data = b""
                if c[0] != "dumper":
                    try:
                        data = c[2].recv(65536)
                    except OSError:
                        pass
                state = "answered" if data and not ev & select.POLLHUP \
                    else "closed"
                line = data.split(b"\n")[0].decode("ascii", "replace")
                c[4] = "%.2f %s %s" % (time.monotonic() - c[3], state,
                                       line or "-")
                out.write("%s %d %s\n" % (c[0], c[1], c[4]))
                out.flush()
                poller.unregister(fd)
        for c in clients:
            if c[4] is None:
                out.write("%s %d - %s -\n" % (c[0], c[1], "open"
                          if c[3] is not None else "queued"))
    for c in clients:
        c[2].close()


if __name__ == "__main__":
    main()
