#!/usr/bin/env python3
"""A remote worker for the session store, in Python with the standard library only.

It claims sessions of the remote handlers (REMOTE_HANDLERS on the service), runs a stand-in agent
(replace `deliberate` with your own pipeline: the OpenAI Agents SDK, LangGraph, ...), streams
progress and messages under its lease, and completes the session. Between steps it waits on a
heartbeat, so a kill reaches it at once: the heartbeat answers {"stop": true} and it stops without
writing anything more.

Environment:
  SESSION_STORE_URLS  base URLs, comma-separated (default http://127.0.0.1:3000); on a connection
                      error or a 503 it moves on to the next one
  WORKER_TOKEN        a bearer token with the worker role (npm run token -- --user w --worker)
  HANDLERS            handlers to claim, comma-separated (default: any remote handler)
  ROUNDS              rounds of the stand-in agent (default 3)
  STEP_SECONDS        pause between rounds, spent waiting on a heartbeat (default 1)
  ONCE                "1": exit after one session
"""
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

URLS = [u.strip().rstrip("/") for u in os.environ.get("SESSION_STORE_URLS", "http://127.0.0.1:3000").split(",") if u.strip()]
TOKEN = os.environ["WORKER_TOKEN"]
HANDLERS = [h for h in os.environ.get("HANDLERS", "").split(",") if h]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
STEP_SECONDS = int(os.environ.get("STEP_SECONDS", "1"))
ONCE = os.environ.get("ONCE") == "1"


def say(*parts):
    print(*parts, flush=True)


class Unavailable(Exception):
    """This instance cannot answer now (down, or shutting down): try the next one."""


class Api:
    def __init__(self, urls):
        self.urls = urls
        self.current = 0

    def post(self, path, body):
        """POST JSON; returns (status, parsed body or None). Moves to the next URL when one is unavailable."""
        # An outage (a restart, PostgreSQL or Redis away for a while) is waited out for two minutes.
        give_up_at = time.monotonic() + 120
        pause = 0.2
        while time.monotonic() < give_up_at:
            base = self.urls[self.current]
            try:
                return self._post(base + "/api/v1" + path, body)
            except Unavailable as why:
                self.current = (self.current + 1) % len(self.urls)
                say("reconnecting:", why, "->", self.urls[self.current])
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        raise SystemExit("no instance of the session store answers")

    @staticmethod
    def _post(url, body):
        data = json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer " + TOKEN)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            raw = error.read()
            if error.code in (502, 503, 504):
                raise Unavailable(f"{error.code} from {url}")
            return error.code, (json.loads(raw) if raw else None)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            raise Unavailable(f"{url}: {error}")


class Stopped(Exception):
    """The session left running (killed, deleted) or the lease is gone: stop, write nothing more."""


class Lease:
    def __init__(self, api, lease_id):
        self.api = api
        self.id = lease_id

    def call(self, action, body):
        status, answer = self.api.post(f"/work/{self.id}/{action}", body)
        if status in (409, 410):
            raise Stopped(f"{action}: {status} {answer.get('code')} {answer.get('currentStatus', '')}".strip())
        if status >= 300:
            raise RuntimeError(f"{action}: {status} {answer}")
        return answer

    def wait(self, seconds):
        """Sleeps by waiting on a heartbeat: it answers at once when the session is killed."""
        answer = self.call("heartbeat", {"waitSeconds": seconds})
        if answer["stop"]:
            raise Stopped(f"heartbeat: stop {answer['status']}")


def deliberate(lease, session):
    """The stand-in agent: replace with your own pipeline."""
    topic = session.get("title") or session.get("problemStatement") or "the problem"
    lease.call("progress", {"phase": "decomposition"})
    for round_number in range(1, ROUNDS + 1):
        lease.wait(STEP_SECONDS)
        lease.call("progress", {"phase": "deliberation", "roundNumber": round_number, "costDelta": 0.01})
        appended = lease.call("messages", {"role": "assistant", "content": f"Round {round_number} on {topic} (python)"})
        say("appended", appended["items"][0]["seq"])
    return {"synthesisText": f"After {ROUNDS} rounds on {topic}, python agreed.", "finalRecommendation": "ship it"}


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    api = Api(URLS)
    say("worker ready:", ", ".join(URLS))
    while True:
        body = {"waitSeconds": 20}
        if HANDLERS:
            body["handlers"] = HANDLERS
        status, claimed = api.post("/work/claim", body)
        if status == 204:
            continue
        if status != 200:
            raise SystemExit(f"claim refused: {status} {claimed}")
        session = claimed["session"]
        lease = Lease(api, claimed["lease"]["id"])
        say("claimed", session["id"], "lease", lease.id)
        try:
            result = deliberate(lease, session)
            lease.call("complete", result)
            say("completed", session["id"])
        except Stopped as why:
            say("stopped", session["id"], why)
        except Exception as error:  # the agent failed: so does the session
            try:
                lease.call("fail", {"error": str(error)[:1000] or type(error).__name__})
                say("failed", session["id"], error)
            except Stopped as why:
                say("stopped", session["id"], why)
        if ONCE:
            return


if __name__ == "__main__":
    main()
