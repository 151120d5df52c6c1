"""Latency of POST /ask at 1 and 16 concurrent clients over the question set, beside in-process answering.

Starts `newsqa serve` as a separate process on a free port (the real server), waits for /health,
then sends every question in tests/data/questions.jsonl `--rounds` times per concurrency level.

    .venv/bin/python benchmarks/http_latency.py [--rounds 2] [--concurrency 1 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, seconds: float = 300) -> bool:
    """Poll GET /health until it answers 200 (True) or the time runs out (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


async def load(url: str, questions: list[str], concurrency: int) -> tuple[list[float], int, float]:
    """Send all questions with `concurrency` clients; return per-request ms, error count, wall seconds."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for q in questions:
        queue.put_nowait(q)
    times: list[float] = []
    errors = 0

    async def client():
        nonlocal errors
        async with httpx.AsyncClient(timeout=120) as http:
            while not queue.empty():
                q = queue.get_nowait()
                started = time.perf_counter()
                try:
                    r = await http.post(f"{url}/ask", json={"question": q, "top_k": 5})
                    errors += r.status_code != 200
                except httpx.HTTPError:
                    errors += 1
                times.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return times, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()

    from retrieval.engine import Engine
    from retrieval.evaluation import load_questions

    questions = [q.question for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")] * args.rounds

    engine = Engine()
    engine.open()
    engine.ask("预热")
    bare = []
    for q in questions:
        started = time.perf_counter()
        engine.ask(q)
        bare.append((time.perf_counter() - started) * 1000)
    del engine

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=REPO,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        if not wait_healthy(url):
            raise SystemExit("server did not become healthy")
        print(f"{len(questions)} requests per row ({len(questions) // args.rounds} questions × {args.rounds})\n")
        print("| what | clients | p50 ms | p95 ms | errors | throughput req/s |\n|---|---|---|---|---|---|")
        print(f"| in-process Engine.ask | 1 | {np.percentile(bare, 50):.1f} | {np.percentile(bare, 95):.1f} | 0 | "
              f"{len(bare) / (sum(bare) / 1000):.1f} |")
        for c in args.concurrency:
            times, errors, wall = asyncio.run(load(url, questions, c))
            print(f"| POST /ask over HTTP | {c} | {np.percentile(times, 50):.1f} | {np.percentile(times, 95):.1f} | "
                  f"{errors} | {len(times) / wall:.1f} |")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
