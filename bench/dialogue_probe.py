"""Play multi-turn conversations to the real bot over its REST channel and print every reply.

Each non-comment line of the file is one conversation, its turns separated by " || "; lines
starting with "#" are comments (bench/data/dialogue_probe.txt says under each conversation
what a good clerk replies). The output is read by a person and each turn classified: right,
wrong, lost topic, or asked back needlessly.

Usage (from the project root; the national catalog gives the real variants):
    .venv/bin/python -m bench.dialogue_probe bench/data/dialogue_probe.txt \
        [--database-url sqlite:///…/tthc.db] [--model models/tthc.tar.gz]
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import httpx

from bench.bot_servers import PROJECT_MODEL, running_servers

TURN_SEPARATOR = " || "
SHOWN_CHARS = 400  # enough of an answer to see its procedure and aspect


def read_conversations(path: Path) -> list[list[str]]:
    """The conversations of ``path``: one per non-comment line, turns split on " || "."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        [turn.strip() for turn in line.split(TURN_SEPARATOR)]
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]


def main() -> None:
    """Start the servers, play every conversation with a fresh sender, print the replies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=Path)
    parser.add_argument("--database-url", help="a database holding the catalog to answer from")
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    args = parser.parse_args()
    conversations = read_conversations(args.conversations)
    with running_servers(args.model, database_url=args.database_url) as servers:
        servers.warm_up()
        for number, turns in enumerate(conversations, 1):
            sender = uuid.uuid4().hex
            print(f"== {number}")
            for turn in turns:
                messages = httpx.post(
                    servers.webhook, json={"sender": sender, "message": turn}, timeout=120
                ).json()
                print(">>", turn)
                for message in messages:
                    print("   ", (message.get("text") or "").replace("\n", " ⏎ ")[:SHOWN_CHARS])
                    if message.get("buttons"):
                        titles = " | ".join(b.get("title", "") for b in message["buttons"])
                        print(f"    [ {titles} ]")


if __name__ == "__main__":
    main()
