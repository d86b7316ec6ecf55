#!/usr/bin/python3
"""An SMTP server for the tests (Debian's python3-aiosmtpd): listens on 127.0.0.1 (port 0,
written to --port-file), logs each message it accepts as one JSON line to --log (envelope sender
and recipients, the decoded Subject, To and From headers, the text body decoded from its transfer
encoding, and the raw message), and answers "451" to the first --fail-first messages (a mail
server that is having trouble, then recovers)."""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import os

from aiosmtpd.smtp import SMTP

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail-first", type=int, default=0)
args = parser.parse_args()

seen = 0


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global seen
        seen += 1
        if seen <= args.fail_first:
            return "451 4.3.0 try again later"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "reply_to": str(message["Reply-To"] or ""),
            "message_id": str(message["Message-ID"] or ""),
            "content_type": message.get_content_type(),
            "body": body.get_content() if body is not None else "",
            "raw": raw.decode("utf-8", "replace"),
        }
        with open(args.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return "250 2.0.0 OK"


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    server = await loop.create_server(lambda: SMTP(handler, hostname="localhost"),
                                      host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)  # the port file appears whole
    async with server:
        await server.serve_forever()


asyncio.run(main())
