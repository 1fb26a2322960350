"""Terminal rendering of search results and answers (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from qa.answer import Answer
from qa.cite import Citation
from qa.rerank import Rescored


def citation_panel(c: Citation, *, explain: bool = False) -> Panel:
    body = Text(c.text)
    if c.highlight:
        body.stylize("bold yellow", *c.highlight)
    where = [c.title]
    if c.section:
        where.append(c.section)
    if c.page:
        where.append(f"p. {c.page}")
    footer = Text(f"{c.source} [{c.char_start}:{c.char_end}]", style="dim")
    parts: list[Text] = [body, footer]
    if explain:
        signals = "  ".join(
            f"{name} #{s.rank} {s.score:.3f} (z {s.z:+.2f})" for name, s in c.signals.items()
        )
        parts.append(Text(f"score {c.score:.3f}  {signals}", style="cyan"))
        if c.rescored is not None:
            parts.append(Text("second stage: " + explain_rescored(c.rescored), style="cyan"))
            if c.score != c.rescored.logit:  # the passages were ordered by their sentences too
                sentence = c.score - c.rescored.logit - c.reader_part
                read = "" if c.reader is None else f", reader {c.reader_part:+.2f}"
                parts.append(
                    Text(
                        f"order: second stage {c.rescored.logit:+.2f}, best answer sentence "
                        f"{sentence:+.2f}{read}",
                        style="cyan",
                    )
                )
        if c.reader is not None:
            parts.append(Text(f"reader: logit {c.reader:+.2f} that it answers", style="cyan"))
    return Panel(Group(*parts), title=f"[{c.n}] " + " › ".join(where), title_align="left")


def explain_rescored(r: Rescored) -> str:
    """Each feature's value and what it added to the second-stage logit, largest first."""
    items = sorted(r.contributions.items(), key=lambda kv: -abs(kv[1]))
    return f"score {r.logit:+.2f}: " + ", ".join(
        f"{name} {r.features[name]:.3f} ({value:+.2f})" for name, value in items
    )


def print_citations(console: Console, citations: list[Citation], *, explain: bool = False) -> None:
    if not citations:
        console.print("no passages found")
    for c in citations:
        console.print(citation_panel(c, explain=explain))


def print_searched(console: Console, searched: str, *, rewritten: bool) -> None:
    how = "searched as" if rewritten else "searched"
    console.print(Text(f"{how}: {searched}", style="dim"), soft_wrap=True)


def print_answer(console: Console, answer: Answer, *, explain: bool = False) -> None:
    style = "italic" if answer.abstained else "bold"
    title = f"answer (confidence {answer.confidence:.2f})" if explain else "answer"
    console.print(Panel(Text(answer.text, style=style), title=title, title_align="left"))
    print_citations(console, answer.citations, explain=explain)
