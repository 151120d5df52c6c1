"""Soak: many clients asking while articles are added, against a real `newsqa serve` process.

Copies the seed corpus and starts the server on it (a private index folder), then runs `--clients`
clients that each ask `--questions` questions from tests/data/questions.jsonl while one writer adds
`--articles` articles. Prints requests, errors by status, p50/p95 ms, and the server's peak RSS.

    .venv/bin/python benchmarks/soak.py [--clients 32] [--questions 1000] [--articles 50]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.http_latency import REPO, free_port, wait_healthy  # noqa: E402


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def soak(url: str, questions: list[str], clients: int, per_client: int, articles: int, pid: int) -> dict:
    statuses: collections.Counter = collections.Counter()
    times: list[float] = []
    peak = [rss_kib(pid)]
    done = asyncio.Event()

    async def client(offset: int):
        async with httpx.AsyncClient(timeout=300) as http:
            for i in range(per_client):
                q = questions[(offset + i) % len(questions)]
                started = time.perf_counter()
                try:
                    r = await http.post(f"{url}/ask", json={"question": q})
                    statuses[r.status_code] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                times.append((time.perf_counter() - started) * 1000)

    async def writer():
        async with httpx.AsyncClient(timeout=300) as http:
            for i in range(articles):
                text = f"本报讯 压测{i}区规上工业企业复工率达到{90 + i % 10}%，返岗员工{i + 1}万人，新增项目{i + 3}个。"
                r = await http.post(f"{url}/articles", json={"source": f"soak-{i:04d}", "text": text})
                statuses[f"add {r.status_code}"] += 1
                await asyncio.sleep(0.2)

    async def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    await asyncio.gather(writer(), *(client(c * 7) for c in range(clients)))
    done.set()
    await sampler
    wall = time.perf_counter() - started
    return {"statuses": dict(statuses), "p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
            "requests": len(times), "wall_s": wall, "peak_rss_mib": peak[0] / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--questions", type=int, default=1000, help="questions per client")
    parser.add_argument("--articles", type=int, default=50)
    args = parser.parse_args()
    from retrieval.evaluation import load_questions

    questions = [q.question for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")]
    root = Path(tempfile.mkdtemp(prefix="newsqa-soak-"))
    shutil.copytree(REPO / "seeds", root / "corpus")
    port = free_port()
    env = {**os.environ, "NEWSQA_CORPUS": str(root / "corpus"), "NEWSQA_INDEX_DIR": str(root / "index"),
           "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy(url):
            raise SystemExit("server did not become healthy")
        result = asyncio.run(soak(url, questions, args.clients, args.questions, args.articles, server.pid))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(root, ignore_errors=True)
    errors = sum(n for k, n in result["statuses"].items() if k not in (200, "add 201"))
    print(f"{args.clients} clients × {args.questions} questions, {args.articles} articles added: "
          f"{result['requests']} asks in {result['wall_s']:.0f} s, errors {errors}, statuses {result['statuses']}, "
          f"p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms, server peak RSS {result['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
