"""A session ring client written from ipc/RING.md alone, in Python: an independent
implementation of the protocol (not libllmcore), which can also break it on purpose."""

import mmap
import os
import select
import struct
import time

from gi.repository import Gio, GLib

from . import dbus_client

HEADER = struct.Struct("<QHHIQQ3Q3Q")  # magic .. flags, request ring, event ring
FRAME = struct.Struct("<HHI")
SUBMIT_FIXED = struct.Struct("<QIIIiiIQddddddII")
TOKEN_FIXED = struct.Struct("<QII")
FINISHED = struct.Struct("<QIIIIddd")
ERROR_FIXED = struct.Struct("<QII")
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")

MAGIC = 0x474E4952434C4C4D
FRAME_SUBMIT, FRAME_CANCEL = 1, 2
FRAME_TOKEN, FRAME_FINISHED, FRAME_ERROR = 0x101, 0x102, 0x103
OPT_MAX_TOKENS, OPT_TEMPERATURE, OPT_IGNORE_EOS = 1 << 0, 1 << 1, 1 << 10
# StopReasonCode and RingErrorCode.
STOP_LENGTH, STOP_ERROR = 2, 6
ERROR_BUSY, ERROR_PROTOCOL_VIOLATION, ERROR_NO_SUCH_SESSION = 4, 9, 10
HEAD, TAIL, WAITING = 0, 64, 72  # offsets in a RingControl


class WouldBlock(Exception):
    pass


def padded(length):
    return (length + 7) & ~7


def string(text):
    data = text.encode()
    return U32.pack(len(data)) + data


class RingSession:
    """A session of `client` (a dbus_client.Client) streaming through its ring."""

    def __init__(self, client, model, **ring_options):
        self.session = client.create_session(model)
        self.path = self.session.path
        reply, fds = client.connection.call_with_unix_fd_list_sync(
            dbus_client.BUS_NAME, self.path, dbus_client.SESSION, "OpenRing",
            GLib.Variant("(a{sv})", ({k: GLib.Variant("u", v) for k, v in ring_options.items()},)),
            GLib.VariantType("(hhh)"), Gio.DBusCallFlags.NONE, 30000, None, None)
        memfd, request_wake, event_wake = (fds.get(i) for i in reply.unpack())
        self.fds = [memfd, request_wake, event_wake]
        self.request_wake, self.event_wake = request_wake, event_wake
        self.size = os.fstat(memfd).st_size
        self.mem = mmap.mmap(memfd, self.size)
        (magic, self.major, self.minor, _, total, _, self.req_ctrl, self.req_data, self.req_cap,
         self.ev_ctrl, self.ev_data, self.ev_cap) = HEADER.unpack_from(self.mem, 0)
        assert magic == MAGIC and total == self.size, "not a ring segment"
        self.req_head = 0  # what we published
        self.ev_tail = 0  # what we consumed
        self.next_id = 1

    def close(self):
        """Closes the session (unless the daemon already ended it) and unmaps the ring."""
        try:
            self.session.close()
        except dbus_client.DBusCallError:
            pass
        self.mem.close()
        for fd in self.fds:
            os.close(fd)

    # Requests: the client is the producer of the request ring.

    def write_frame(self, frame_type, payload, flags=0):
        total = FRAME.size + padded(len(payload))
        tail = U64.unpack_from(self.mem, self.req_ctrl + TAIL)[0]
        position = self.req_head % self.req_cap
        if position + total > self.req_cap:
            fill = self.req_cap - position
            if self.req_head - tail + fill + total > self.req_cap:
                raise WouldBlock()
            FRAME.pack_into(self.mem, self.req_data + position, 0, 0, fill - FRAME.size)
            self.req_head += fill
            position = 0
        if self.req_head - tail + total > self.req_cap:
            raise WouldBlock()
        start = self.req_data + position
        FRAME.pack_into(self.mem, start, frame_type, flags, len(payload))
        body = payload + bytes(padded(len(payload)) - len(payload))
        self.mem[start + FRAME.size:start + FRAME.size + len(body)] = body
        self.publish_request_head(self.req_head + total)

    def publish_request_head(self, head):
        """Stores the head (x86 stores are ordered) and wakes the daemon if it sleeps."""
        self.req_head = head
        U64.pack_into(self.mem, self.req_ctrl + HEAD, head)
        if U32.unpack_from(self.mem, self.req_ctrl + WAITING)[0]:
            os.eventfd_write(self.request_wake, 1)

    def submit(self, prompt, max_tokens=None, temperature=None, ignore_eos=False):
        request = self.next_id
        self.next_id += 1
        mask = (OPT_MAX_TOKENS if max_tokens is not None else 0) | \
               (OPT_TEMPERATURE if temperature is not None else 0) | \
               (OPT_IGNORE_EOS if ignore_eos else 0)
        fixed = SUBMIT_FIXED.pack(request, 1, mask, max_tokens or 0, 0, 0, int(ignore_eos), 0,
                                  temperature or 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0)
        self.write_frame(FRAME_SUBMIT, fixed + string(prompt))
        return request

    def cancel(self, request):
        self.write_frame(FRAME_CANCEL, U64.pack(request))

    # Events: the client is the consumer of the event ring.

    def read_events(self):
        """Every event published so far, as tuples ("token", request, token, piece),
        ("finished", request, fields...), ("error", request, code, message)."""
        events = []
        while True:
            head = U64.unpack_from(self.mem, self.ev_ctrl + HEAD)[0]
            if self.ev_tail == head:
                return events
            position = self.ev_tail % self.ev_cap
            frame_type, _, length = FRAME.unpack_from(self.mem, self.ev_data + position)
            start = self.ev_data + position + FRAME.size
            payload = bytes(self.mem[start:start + length])
            self.ev_tail += self.ev_cap - position if frame_type == 0 else \
                FRAME.size + padded(length)
            U64.pack_into(self.mem, self.ev_ctrl + TAIL, self.ev_tail)
            if frame_type == FRAME_TOKEN:
                request, token, size = TOKEN_FIXED.unpack_from(payload)
                events.append(("token", request, token, payload[TOKEN_FIXED.size:].decode()))
            elif frame_type == FRAME_FINISHED:
                events.append(("finished",) + FINISHED.unpack_from(payload))
            elif frame_type == FRAME_ERROR:
                request, code, size = ERROR_FIXED.unpack_from(payload)
                events.append(("error", request, code, payload[ERROR_FIXED.size:].decode()))

    def wait(self, timeout):
        """Sleeps until the daemon signals (the waiting flag set first, as RING.md says)."""
        U32.pack_into(self.mem, self.ev_ctrl + WAITING, 1)
        if U64.unpack_from(self.mem, self.ev_ctrl + HEAD)[0] == self.ev_tail:
            ready, _, _ = select.select([self.event_wake], [], [], timeout)
            if ready:
                os.eventfd_read(self.event_wake)
        U32.pack_into(self.mem, self.ev_ctrl + WAITING, 0)

    def collect(self, request, timeout=60):
        """The events of `request` up to its FINISHED (and any session ERROR)."""
        deadline = time.monotonic() + timeout
        collected = []
        while time.monotonic() < deadline:
            for event in self.read_events():
                if event[1] in (request, 0):
                    collected.append(event)
                if event[0] == "finished" and event[1] == request or \
                        event[0] == "error" and event[1] == 0:
                    return collected
            self.wait(0.2)
        raise AssertionError(f"request {request} did not finish in {timeout} s: {collected}")


def text_of(events):
    return "".join(event[3] for event in events if event[0] == "token")


def daemon_fds(pid):
    """The daemon's open descriptors: {fd: target}."""
    directory = f"/proc/{pid}/fd"
    fds = {}
    for name in os.listdir(directory):
        try:
            fds[int(name)] = os.readlink(os.path.join(directory, name))
        except FileNotFoundError:
            pass
    return fds


def ring_fds(pid):
    return [target for target in daemon_fds(pid).values() if "llmcore-ring" in target]
