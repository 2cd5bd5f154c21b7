"""Reading a Dockerfile's instructions, enough to check what it builds."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Instruction", "final_stage", "read_instructions"]


@dataclass(frozen=True)
class Instruction:
    """One instruction, continuation lines joined."""

    keyword: str
    """Upper-case instruction, such as ``FROM``."""

    arguments: str
    """Everything after the keyword."""

    def words(self) -> list[str]:
        """Arguments as a list: exec (JSON) form or split like a shell."""
        if self.arguments.startswith("["):
            words: list[str] = json.loads(self.arguments)
            return words
        return shlex.split(self.arguments)


def read_instructions(path: Path) -> list[Instruction]:
    """Parse a Dockerfile into instructions, ignoring comments.

    Parameters
    ----------
    path
        The Dockerfile.

    Returns
    -------
    list of Instruction
        Its instructions, in order.
    """
    instructions = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = pending + line
        pending = ""
        keyword, _, arguments = text.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    """The instructions of the last build stage, its ``FROM`` first."""
    starts = [i for i, ins in enumerate(instructions) if ins.keyword == "FROM"]
    return instructions[starts[-1] :] if starts else []
