#!/usr/bin/env python3
"""A real HTTPS receiver for the log-upload tests: TLS with a required client certificate
(signed by --client-ca), multipart/form-data POSTs as the OsecT cloud takes them (the
file in the part "file_uploaded", the field "label_id"). Each archive received is stored
as NNNN-<filename> in --store and listed, in arrival order, in <store>/received.tsv
("<filename>\\t<label_id>\\t<path>\\t<client CN>"); each refused handshake adds a line
to <store>/refused.txt. Answers --status (200 by default). Writes its port to
--port-file once it listens (port 0: any free port)."""
import argparse
import email
import email.policy
import http.server
import os
import ssl
import sys
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--client-ca", required=True)
ap.add_argument("--store", required=True)
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--port-file", required=True)
ap.add_argument("--status", type=int, default=200)
args = ap.parse_args()
os.makedirs(args.store, exist_ok=True)
lock = threading.Lock()
count = [0]


def note(name, line):
    with lock, open(os.path.join(args.store, name), "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError) as e:
            note("refused.txt", str(e))
            raise
        super().setup()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        msg = email.message_from_bytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP)
        name, data, label = None, None, None
        for part in msg.iter_parts():
            field = part.get_param("name", header="content-disposition")
            if field == "file_uploaded":
                name, data = part.get_filename(), part.get_payload(decode=True)
            elif field == "label_id":
                label = part.get_payload(decode=True).decode()
        status = args.status if name is not None else 400
        if status == 200:
            subject = dict(x[0] for x in self.connection.getpeercert().get("subject", ()))
            with lock:
                count[0] += 1
                with open(os.path.join(args.store, "%04d-%s" % (count[0], name)), "wb") as f:
                    f.write(data)
                with open(os.path.join(args.store, "received.tsv"), "a") as f:
                    f.write("%s\t%s\t%s\t%s\n" % (name, label, self.path, subject.get("commonName", "")))
        reply = b"ok\n" if status == 200 else b"refused\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a refused handshake is noted in refused.txt


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args.cert, args.key)
ctx.load_verify_locations(args.client_ca)
ctx.verify_mode = ssl.CERT_REQUIRED
server = Server(("127.0.0.1", args.port), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
tmp = args.port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, args.port_file)
sys.stdout.flush()
server.serve_forever()
