#!/usr/bin/env python3
"""A tiny stand-in for a Dapr sidecar, for trying the services and the UI by hand without Kafka:
  fake_sidecar.py --port 3500 --app course-agent=8001 --app user-progress=8002 --app learnflow-frontend=8000
All apps share it (DAPR_HTTP_PORT=3500). Invocation is forwarded to the app's port, state is kept in
memory with ETags, and a publish is delivered at once as a CloudEvent to every app whose
GET /dapr/subscribe lists the topic. --fail-publish makes every publish answer 500 (a Kafka outage)."""
import argparse
import json
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATE = {}
LOCK = threading.Lock()
ETAG = [0]


def call(url, method="GET", body=None, headers=None, timeout=5):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


class Sidecar(BaseHTTPRequestHandler):
    apps = {}
    fail_publish = False

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        if body:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message):
        self.reply(status, json.dumps({"errorCode": code, "message": message}).encode())

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def handle_any(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if url.path in ("/v1.0/healthz", "/v1.0/healthz/outbound"):
            return self.reply(204)
        if parts[:2] == ["v1.0", "invoke"] and len(parts) >= 4 and parts[3] == "method":
            app, method = parts[2], "/".join(parts[4:])
            if app not in self.apps:
                return self.error(500, "ERR_DIRECT_INVOKE", f"failed to invoke, id: {app}, err: couldn't find service: {app}")
            target = f"http://127.0.0.1:{self.apps[app]}/{method}" + (f"?{url.query}" if url.query else "")
            try:
                status, content_type, data = call(target, self.command, self.body() or None,
                                                  {"Content-Type": self.headers.get("Content-Type", "application/json")})
            except OSError as error:
                return self.error(500, "ERR_DIRECT_INVOKE", f"failed to invoke, id: {app}, err: {error}")
            return self.reply(status, data, content_type)
        if parts[:2] == ["v1.0", "publish"] and len(parts) == 4:
            data = self.body()
            if self.fail_publish:
                return self.error(500, "ERR_PUBSUB_PUBLISH_MESSAGE", "kafka: client has run out of available brokers")
            query = parse_qs(url.query)
            event = {"id": query.get("metadata.cloudevent.id", [str(uuid.uuid4())])[0], "source": "fake-sidecar",
                     "type": "com.dapr.event.sent", "specversion": "1.0", "datacontenttype": "application/json",
                     "pubsubname": parts[2], "topic": parts[3], "data": json.loads(data)}
            for app, port in self.apps.items():
                status, _, subs = call(f"http://127.0.0.1:{port}/dapr/subscribe")
                for sub in json.loads(subs) if status == 200 else []:
                    if sub["topic"] == parts[3]:
                        call(f"http://127.0.0.1:{port}{sub['route']}", "POST", json.dumps(event).encode(),
                             {"Content-Type": "application/cloudevents+json"})
            return self.reply(204)
        if parts[:2] == ["v1.0", "state"] and len(parts) >= 3:
            with LOCK:
                if self.command == "POST":
                    items = json.loads(self.body())
                    for item in items:
                        current = STATE.get(item["key"])
                        etag = item.get("etag")
                        first_write = item.get("options", {}).get("concurrency") == "first-write"
                        if (etag and (not current or current[1] != etag)) or (not etag and first_write and current):
                            return self.error(409, "ERR_STATE_SAVE", "possible etag mismatch")
                    for item in items:
                        ETAG[0] += 1
                        STATE[item["key"]] = (json.dumps(item["value"]).encode(), str(ETAG[0]))
                    return self.reply(204)
                key = "/".join(parts[3:])
                if self.command == "GET":
                    if key not in STATE:
                        return self.reply(204)
                    value, etag = STATE[key]
                    return self.reply(200, value, headers={"ETag": etag})
                if self.command == "DELETE":
                    STATE.pop(key, None)
                    return self.reply(204)
        return self.error(404, "ERR_NOT_FOUND", f"no route {self.path}")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=3500)
    parser.add_argument("--app", action="append", default=[], help="app-id=port")
    parser.add_argument("--fail-publish", action="store_true")
    args = parser.parse_args()
    Sidecar.apps = dict(item.split("=") for item in args.app)
    Sidecar.fail_publish = args.fail_publish
    ThreadingHTTPServer(("127.0.0.1", args.port), Sidecar).serve_forever()


if __name__ == "__main__":
    main()
