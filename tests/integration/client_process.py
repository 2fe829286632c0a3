"""A D-Bus client in its own process, for tests that kill it or run it as another user.

    client_process.py stream ADDRESS MODEL PROMPT
        creates a session, submits a long request, prints "session PATH", then
        "streaming" once the first token arrived, and keeps the connection
        open until killed;
    client_process.py generate ADDRESS MODEL PROMPT MAX_TOKENS
        creates a session, streams one greedy request through Token signals
        and prints its text; exit 0 when it finished with stop reason
        "length" or "eos", else the stop reason and error on stderr (exit 1);
    client_process.py create-sessions ADDRESS MODEL COUNT
        creates COUNT sessions on one connection; prints "ok" (exit 0) or the
        error's name and message (exit 1).
"""

import sys

from gi.repository import GLib

from harness import dbus_client


def stream(address, model, prompt):
    client = dbus_client.Client(address)
    session = client.create_session(model)
    print("session", session.path, flush=True)
    request = session.submit(prompt, temperature=0.0, max_tokens=4000, ignore_eos=True)
    session.wait_tokens(request, 1)
    print("streaming", flush=True)
    GLib.MainLoop().run()


def generate(address, model, prompt, max_tokens):
    client = dbus_client.Client(address)
    session = client.create_session(model)
    request = session.submit(prompt, temperature=0.0, max_tokens=int(max_tokens))
    stats = session.wait_finished(request, timeout=600)
    sys.stdout.write(session.text(request))
    sys.stdout.flush()
    session.close()
    if stats["stop_reason"] not in ("length", "eos"):
        print(stats["stop_reason"], stats.get("error", ""), file=sys.stderr)
        return 1
    return 0


def create_sessions(address, model, count):
    client = dbus_client.Client(address)
    try:
        for _ in range(int(count)):
            client.create_session(model)
    except dbus_client.DBusCallError as error:
        print(error.name, error.message, flush=True)
        return 1
    print("ok", flush=True)
    return 0


def main(argv):
    commands = {"stream": stream, "generate": generate, "create-sessions": create_sessions}
    return commands[argv[1]](*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
