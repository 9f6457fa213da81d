"""A real local SMTP server for the notification tests (aiosmtpd, installed by
scripts/test.sh). Usage: smtp_sink.py PORT OUTDIR [starttls|tls CERT KEY]: plain
SMTP, or STARTTLS required, or TLS from the first byte (SMTPS). Every message received is written to
OUTDIR/NNNN.json as {"from", "to", "subject", "body"} (headers and body decoded), before
the server answers 250, so a sender that got its 250 finds the file there. Prints
"ready" once listening; stops when stdin closes. With SINK_PASSWORD set, AUTH is required
(user `radar`, that password)."""

import email
import json
import logging
import os
import ssl
import sys
import warnings
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=policy.default)
        part = msg.get_body(preferencelist=("plain",))
        rec = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "body": part.get_content() if part is not None else "",
        }
        path = os.path.join(self.out, "%04d.json" % self.n)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)
        return "250 OK"


def main():
    # The test's own settings (AUTH over SMTPS) draw advice meant for production servers.
    warnings.filterwarnings("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    kwargs = {}
    if len(sys.argv) > 3:
        mode, cert, key = sys.argv[3], sys.argv[4], sys.argv[5]
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        if mode == "starttls":
            kwargs = {"tls_context": ctx, "require_starttls": True}
        else:
            kwargs = {"ssl_context": ctx}
    password = os.environ.get("SINK_PASSWORD")
    if password:

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"radar"
            return AuthResult(success=ok and auth_data.password == password.encode())

        # Over SMTPS the session is encrypted from the start: AUTH may be offered at once.
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls="ssl_context" not in kwargs)
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
