"""Follow-up questions over HTTP: the chat endpoint reads the earlier user messages, and
/v1/search and /v1/ask take them as ``history``; every reply says what was searched."""

from __future__ import annotations

from fastapi.testclient import TestClient

FIRST = "鹤壁的煤炭产业占工业比重下降到多少？"
FOLLOW_UP = "那晋城呢？"
SEARCHED = "晋城的煤炭产业占工业比重下降到多少"


def test_chat_reads_a_follow_up_against_the_earlier_user_messages(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": "2021年煤炭产业占工业比重下降到6.1%。[1]"},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
    ]
    reply = client.post("/v1/chat/completions", json={"model": "citeqa", "messages": messages})
    assert reply.status_code == 200, reply.text
    assert reply.json()["searched"] == SEARCHED

    alone = client.post(
        "/v1/chat/completions",
        json={"model": "citeqa", "messages": [{"role": "user", "content": FOLLOW_UP}]},
    )
    assert alone.json()["searched"] == FOLLOW_UP

    streamed = client.post(
        "/v1/chat/completions", json={"model": "citeqa", "messages": messages, "stream": True}
    )
    last = [line for line in streamed.text.splitlines() if line.startswith("data: {")][-1]
    assert f'"searched": "{SEARCHED}"' in last


def test_search_and_ask_take_the_history(client: TestClient) -> None:
    for path in ("/v1/search", "/v1/ask"):
        body = client.post(path, json={"question": FOLLOW_UP, "history": [FIRST]}).json()
        assert body["question"] == FOLLOW_UP and body["searched"] == SEARCHED, body
        plain = client.post(path, json={"question": FIRST}).json()
        assert plain["question"] == plain["searched"] == FIRST


def test_a_bad_history_is_refused_and_a_long_earlier_message_is_not_carried(
    client: TestClient,
) -> None:
    refused = client.post("/v1/ask", json={"question": FOLLOW_UP, "history": FIRST})
    assert refused.status_code == 422 and "history" in refused.text
    pasted = "煤炭" * 2000  # over the question limit: not a topic to carry
    body = client.post("/v1/ask", json={"question": FOLLOW_UP, "history": [pasted]}).json()
    assert body["searched"] == FOLLOW_UP
