"""Concurrent writes over a real socket: each is answered only once it is committed to
the file (what another process, or the file after a crash, would see), whatever other
writes share its commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiohttp

from simulator.server import Simulator


def committed(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    other = sqlite3.connect(db)
    try:
        return other.execute(sql, args).fetchall()
    finally:
        other.close()


async def test_every_concurrent_write_is_committed_before_its_answer(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    async with Simulator(db=str(db)) as server, aiohttp.ClientSession(server.url) as http:
        org = (await (await http.get("/_sim/organizations")).json())[0]

        async def launch(n: int) -> str:
            body = {
                "courseId": "workplace-safety",
                "reg": f"0b6e7a52-4c1d-4f7e-9a3b-{n:012d}",
                "em": f"learner{n}@example.com",
                "fn": "Ada Lovelace",
                "dom": org["domains"][0],
                "lmsId": org["lmsIds"]["staging"],
            }
            async with http.post("/_sim/registrations", json=body) as answer:
                assert answer.status == 201, await answer.text()
                reg = (await answer.json())["registration"]
            assert committed(db, "SELECT 1 FROM registrations WHERE registration = ?", reg)
            assert committed(db, "SELECT 1 FROM launches WHERE registration = ?", reg)
            return str(reg)

        regs = await asyncio.gather(*(launch(n) for n in range(12)))

        async def steps(reg: str) -> None:
            for progress in (10, 20):  # each a step forward: a new transaction
                path = f"/_sim/registrations/{reg}/progress"
                async with http.post(path, json={"progress": progress}) as answer:
                    assert answer.status == 200, await answer.text()
                    tid = (await answer.json())["transactionId"]
                rows = committed(
                    db, "SELECT registration FROM transactions WHERE transaction_id = ?", tid
                )
                assert rows == [(reg,)]

        await asyncio.gather(*(steps(reg) for reg in regs))
        ids = [tid for (tid,) in committed(db, "SELECT transaction_id FROM transactions")]
        assert len(ids) == len(set(ids)) == 12 * 3
