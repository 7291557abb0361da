"""`deepgrad playground [--port 8765] [--host 127.0.0.1] [--open]`: start the page's server."""

import sys

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_commands(subparsers):
    """Register `playground` on an argparse sub-parser collection."""
    p = subparsers.add_parser("playground", help="open TensorFlow Playground's lesson on deepgrad "
                              "in the browser (a local server)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default loopback: only this computer)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=playground_command)


def playground_command(args):
    if not 0 < args.port < 65536:
        raise ValueError(f"--port must be between 1 and 65535, got {args.port}")
    from deepgrad.playground.server import serve
    if args.host not in LOOPBACK:
        print(f"warning: --host {args.host} exposes the playground to other machines on the "
              "network; anyone who reaches it can use this computer's CPU", file=sys.stderr)
    url = f"http://{'localhost' if args.host in LOOPBACK else args.host}:{args.port}/"
    print(f"deepgrad playground: {url}  (Ctrl+C stops it)", flush=True)
    if args.open:
        import webbrowser
        webbrowser.open(url)
    serve(args.host, args.port)
    return 0
